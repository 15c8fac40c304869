package dev.eventpublisher.sender;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Journalled events that failed for Kafka's reasons (a broker down, a delivery timeout, a replaced
 * producer), waiting to be sent again after a backoff. Failures are queued by whichever thread learns
 * of them; the sender thread takes the due ones between batches.
 *
 * <p>Threads: {@link #add} from any thread; the taking methods lock (they run between batches, rarely).
 *
 * <p>A re-sent event may be written twice (the first try may have been stored after all) and after
 * events published later to its partition: at-least-once, and per-key order is not kept for it.
 */
final class ResendQueue {
    /** From any thread. */
    private final Queue<RecordCallback> inbox = new ConcurrentLinkedQueue<>();
    /** Guarded by this: queued and waiting for their due time, in arrival order. */
    private final ArrayDeque<RecordCallback> waiting = new ArrayDeque<>();
    private volatile long earliestDue = Long.MAX_VALUE;
    private volatile int size;

    /** Any thread: {@code failed} is sent again no sooner than {@code dueNanos}. */
    void add(RecordCallback failed, long dueNanos) {
        failed.dueNanos = dueNanos;
        inbox.add(failed);
    }

    /** Any thread, cheap: whether something is due or newly queued. */
    boolean hasWork(long nowNanos) {
        return !inbox.isEmpty() || nowNanos - earliestDue >= 0;
    }

    /** Events waiting to be sent again (approximate). */
    int size() {
        return size + inbox.size();
    }

    /** Sender thread: takes every event that is due now. */
    synchronized List<RecordCallback> takeDue(long nowNanos) {
        RecordCallback c;
        while ((c = inbox.poll()) != null) {
            waiting.add(c);
        }
        List<RecordCallback> due = new ArrayList<>();
        long earliest = Long.MAX_VALUE;
        for (int i = waiting.size(); i > 0; i--) {
            RecordCallback next = waiting.poll();
            if (nowNanos - next.dueNanos >= 0) {
                due.add(next);
            } else {
                earliest = Math.min(earliest, next.dueNanos);
                waiting.add(next);
            }
        }
        earliestDue = earliest;
        size = waiting.size();
        return due;
    }

    /** Closing thread: takes everything (the sender thread may still be running, hence the lock). */
    synchronized List<RecordCallback> takeAll() {
        List<RecordCallback> all = new ArrayList<>(waiting);
        waiting.clear();
        RecordCallback c;
        while ((c = inbox.poll()) != null) {
            all.add(c);
        }
        size = 0;
        earliestDue = Long.MAX_VALUE;
        return all;
    }
}
