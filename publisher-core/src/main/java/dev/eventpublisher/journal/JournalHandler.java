package dev.eventpublisher.journal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import dev.eventpublisher.PublishRejectedException;
import dev.eventpublisher.PublishRejectedException.Reason;
import dev.eventpublisher.outcome.ByteBudget;
import dev.eventpublisher.outcome.Outcomes;
import dev.eventpublisher.ring.EventSlot;
import dev.eventpublisher.ring.SlotKind;

/**
 * The journalling stage of the ring (LMAX's input journaller): runs ahead of the batcher, appends every
 * new event to the journal and commits in groups at the Disruptor's {@code endOfBatch} (the processor's
 * max batch size bounds a group). After a commit — written, and forced under {@link FsyncPolicy#BATCH} —
 * it accepts the group's publish calls and moves {@link Journal#committed()}, the batcher's barrier: no
 * event reaches Kafka before it is journalled. A group also ends once it holds a quarter segment (at most
 * 4 MiB), so segments roll — between groups — near their size.
 *
 * <p>A publish call is taken or refused whole: at its first slot the journal checks that the call's
 * bytes fit (under {@link WhenFull#BLOCK} it waits for room instead), and a group is committed only at a
 * call boundary. A write that fails refuses every call of the group (the file is cut back); a full
 * disk makes the journal full, any other failure — a failed {@code force()} above all — fails it.
 *
 * <p>Single writer: every field is owned by the journal thread.
 */
final class JournalHandler implements EventHandler<EventSlot> {
    private static final long WAIT_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** A group is also committed (at a call boundary) once it holds this much: segments roll between groups. */
    private static final long MAX_GROUP_BYTES = 4L << 20;

    private final Journal journal;
    private final JournalWriter writer;
    private final RingBuffer<EventSlot> ring;
    private final Outcomes outcomes;
    private final Sequence committed;
    /** Wakes the batcher if it is parked waiting on {@link #committed}. */
    private final Runnable committedSignal;
    private final long maxGroupBytes;
    private final ArrayList<Acceptance> pendingAcceptances = new ArrayList<>();
    /** New events appended since the last commit, and the first position among them. */
    private int groupEvents;
    private long groupFirstPosition;
    /** Events of the current publish call still to come. */
    private int callEventsLeft;
    /** Non-null while the current call is being refused. */
    private PublishRejectedException refusing;
    private long millis;
    private boolean sampledFirst;

    JournalHandler(Journal journal, JournalWriter writer, RingBuffer<EventSlot> ring, Outcomes outcomes, Sequence committed,
                   Runnable committedSignal) {
        this.committedSignal = committedSignal;
        this.journal = journal;
        this.writer = writer;
        this.ring = ring;
        this.outcomes = outcomes;
        this.committed = committed;
        this.maxGroupBytes = Math.min(MAX_GROUP_BYTES, journal.config().segmentBytes() / 4);
    }

    @Override
    public void onBatchStart(long batchSize, long queueDepth) {
        millis = System.currentTimeMillis();
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        // Replayed events (already journalled) and commands pass straight through.
        if (slot.kind() == SlotKind.EVENT && slot.position() < 0) {
            onNewEvent(slot, sequence);
        }
        if (callEventsLeft == 0 && (endOfBatch || writer.groupBytes() >= maxGroupBytes)) {
            commit(sequence);
        }
    }

    private void onNewEvent(EventSlot slot, long sequence) {
        int size = (int) Math.min(Integer.MAX_VALUE, Journal.recordBytes(slot.topic(), slot.key(), slot.value(), slot.headers()));
        if (callEventsLeft == 0) {
            callEventsLeft = Math.max(1, slot.requestEvents());
            // A publishAll call carries its total; a single event is sized here (not on the caller's thread).
            refusing = admit(callEventsLeft == 1 ? size : slot.requestBytes(), callEventsLeft, sequence);
        }
        callEventsLeft--;
        if (refusing == null) {
            try {
                if (groupEvents == 0) {
                    groupFirstPosition = writer.nextPosition();
                }
                long position = writer.append(slot.topic(), slot.key(), slot.value(), slot.headers(), size, millis);
                slot.journalled(position);
                journal.sampleAge(position, millis, !sampledFirst);
                sampledFirst = true;
                groupEvents++;
            } catch (IOException | RuntimeException e) {
                failGroup(sequence, e);
            }
        }
        if (refusing != null && slot.kind() == SlotKind.EVENT) {
            refuse(slot, refusing);
        }
        Acceptance acceptance = slot.acceptance();
        if (acceptance != null) {
            if (refusing != null) {
                acceptance.refuse(refusing);
            } else {
                pendingAcceptances.add(acceptance);
            }
        }
        if (callEventsLeft == 0) {
            refusing = null;
        }
    }

    /**
     * At the first slot of a call: null to take it, or why it is refused. Under {@link WhenFull#BLOCK}
     * (and whenever positions run short) it commits what it has and waits for room.
     */
    private PublishRejectedException admit(long callBytes, int events, long sequence) {
        boolean waited = false;
        while (true) {
            if (journal.failure() != null) {
                journal.failedRefusals.inc(events);
                return Journal.refusal(Reason.JOURNAL_FAILED, "the journal failed (" + journal.failure()
                        + ") and accepts no events");
            }
            if (!journal.canEverFit(callBytes)) {
                journal.fullRefusals.inc(events);
                return Journal.refusal(Reason.JOURNAL_FULL, "a call of " + callBytes
                        + " journal bytes is more than half the journal's max-bytes (" + journal.config().maxBytes() + ")");
            }
            boolean positions = journal.hasRoomForPositions(writer.nextPosition() + events - 1);
            if (positions && journal.fits(callBytes)) {
                return null;
            }
            if (positions && !journal.waitsWhenFull() || journal.stopWaitingRequested()) {
                journal.fullRefusals.inc(events);
                return Journal.refusal(Reason.JOURNAL_FULL, "the journal is full (max-bytes "
                        + journal.config().maxBytes() + ", or the disk); retry later");
            }
            if (!waited) {
                waited = true;
                commit(sequence - 1); // what is already written is accepted while this call waits
            }
            LockSupport.parkNanos(WAIT_PARK_NANOS);
        }
    }

    /** Ends the group: durable per the policy, then accepted and visible to the batcher. */
    private void commit(long sequence) {
        if (groupEvents > 0) {
            try {
                writer.commit();
            } catch (IOException | RuntimeException e) {
                failGroup(sequence, e);
                advance(sequence);
                return;
            }
            outcomes.accepted(groupEvents);
            groupEvents = 0;
            // The batcher first, then the callers: a synchronous caller waits for Kafka, not for the 202s of
            // the other calls in the group (whose callbacks may write HTTP answers on this thread).
            advance(sequence);
            for (int i = 0; i < pendingAcceptances.size(); i++) {
                pendingAcceptances.get(i).accept();
            }
            pendingAcceptances.clear();
            try {
                writer.forceIfDue(); // interval policy: after the acceptance, which needs only the write
            } catch (IOException e) {
                journal.fail("interval fsync", e);
            }
            return;
        }
        advance(sequence);
    }

    private void advance(long sequence) {
        committed.set(sequence);
        committedSignal.run();
    }

    /**
     * A write failed: cut the file back, refuse every event of the group (and the rest of the current
     * call), and mark the journal full (a full disk) or failed (anything else).
     */
    private void failGroup(long sequence, Exception e) {
        PublishRejectedException refusal;
        IOException io = e instanceof IOException ioe ? ioe : new IOException(e.toString(), e);
        if (isDiskFull(io)) {
            journal.diskFull(io);
            refusal = Journal.refusal(Reason.JOURNAL_FULL, "the journal's disk is full; retry later");
        } else {
            journal.fail(e instanceof ForceFailedException ? "force" : "write", io);
            refusal = Journal.refusal(Reason.JOURNAL_FAILED, "the journal failed (" + journal.failure() + ")");
        }
        try {
            writer.rollback();
        } catch (IOException rollbackFailed) {
            journal.fail("rollback", rollbackFailed);
        }
        if (groupEvents > 0) {
            for (long s = committed.get() + 1; s <= sequence; s++) {
                EventSlot slot = ring.get(s);
                if (slot.kind() == SlotKind.EVENT && slot.position() >= groupFirstPosition) {
                    refuse(slot, refusal);
                }
            }
        }
        for (int i = 0; i < pendingAcceptances.size(); i++) {
            pendingAcceptances.get(i).refuse(refusal);
        }
        pendingAcceptances.clear();
        groupEvents = 0;
        if (callEventsLeft > 0 || refusing == null) {
            refusing = refusal;
        }
    }

    private void refuse(EventSlot slot, PublishRejectedException refusal) {
        if (slot.future() != null) {
            slot.future().refuse(refusal); // gives its bytes back
        } else {
            outcomes.budget().giveBack(ByteBudget.eventBytes(slot.key(), slot.value(), slot.headers()));
        }
        slot.refused();
        outcomes.rejected();
    }

    private static boolean isDiskFull(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && (message.contains("No space left") || message.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }
}
