package dev.eventpublisher.batch;

import dev.eventpublisher.ring.EventSlot;
import dev.eventpublisher.sender.EventFuture;
import org.apache.kafka.common.header.Header;

/**
 * Fixed storage for every pending event, whatever its topic: {@code maxBatchSize} slots allocated once,
 * linked into per-topic lists. The total never exceeds the max batch size, so memory stays bounded no
 * matter how many topics appear, and batching allocates nothing. Owned by the batcher thread.
 */
final class PendingEvents {
    private final byte[][] keys;
    private final byte[][] values;
    private final Object[] headers;
    private final Object[] futures;
    private final long[] publishNanos;
    private final long[] positions;
    private final int[] next;
    private final int[] free;
    private int freeCount;
    private final View view;

    PendingEvents(int capacity) {
        keys = new byte[capacity][];
        values = new byte[capacity][];
        headers = new Object[capacity];
        futures = new Object[capacity];
        publishNanos = new long[capacity];
        positions = new long[capacity];
        next = new int[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        view = new View(capacity);
    }

    /** Pending events across all topics. */
    int count() {
        return free.length - freeCount;
    }

    boolean isFull() {
        return freeCount == 0;
    }

    /** Copies the event out of the ring slot and appends it to {@code group}. The store must not be full. */
    void append(TopicGroup group, EventSlot slot) {
        int i = free[--freeCount];
        keys[i] = slot.key();
        values[i] = slot.value();
        headers[i] = slot.headers();
        futures[i] = slot.future();
        publishNanos[i] = slot.nanos();
        positions[i] = slot.position();
        next[i] = -1;
        if (group.tail < 0) {
            group.head = i;
            group.oldestNanos = slot.nanos();
        } else {
            next[group.tail] = i;
        }
        group.tail = i;
        group.count++;
    }

    /** Presents {@code group}'s events in order, valid until {@link #release}. */
    FlushedGroup viewOf(TopicGroup group) {
        int n = 0;
        for (int i = group.head; i >= 0; i = next[i]) {
            view.order[n++] = i;
        }
        view.topic = group.topic;
        view.size = n;
        return view;
    }

    /** Frees {@code group}'s slots (after a flush) and empties the group. */
    void release(TopicGroup group) {
        for (int i = group.head; i >= 0; ) {
            int following = next[i];
            keys[i] = null;
            values[i] = null;
            headers[i] = null;
            futures[i] = null;
            free[freeCount++] = i;
            i = following;
        }
        group.head = -1;
        group.tail = -1;
        group.count = 0;
        view.topic = null;
        view.size = 0;
    }

    /** A flushing group's events, read in place through an index list; one instance, reused. */
    private final class View implements FlushedGroup {
        private final int[] order;
        private String topic;
        private int size;

        View(int capacity) {
            order = new int[capacity];
        }

        @Override
        public String topic() {
            return topic;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public byte[] key(int i) {
            return keys[order[i]];
        }

        @Override
        public byte[] value(int i) {
            return values[order[i]];
        }

        @Override
        @SuppressWarnings("unchecked")
        public Iterable<Header> headers(int i) {
            return (Iterable<Header>) headers[order[i]];
        }

        @Override
        public EventFuture future(int i) {
            return (EventFuture) futures[order[i]];
        }

        @Override
        public long publishNanos(int i) {
            return publishNanos[order[i]];
        }

        @Override
        public long position(int i) {
            return positions[order[i]];
        }
    }
}
