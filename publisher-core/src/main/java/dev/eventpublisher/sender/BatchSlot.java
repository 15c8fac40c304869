package dev.eventpublisher.sender;

import java.util.concurrent.CompletableFuture;

import dev.eventpublisher.batch.FlushTrigger;
import dev.eventpublisher.batch.FlushedGroup;
import org.apache.kafka.common.header.Header;

/**
 * One preallocated entry of the sender ring: a copy of a flushed topic group (references only), or a
 * flush barrier. Filled by the batcher thread, read and cleared by the sender thread; the ring's
 * sequence barrier orders the two.
 */
final class BatchSlot implements OutgoingBatch {
    /** What the slot carries. */
    enum Kind { BATCH, BARRIER, MAINTENANCE, COMMIT }

    private Kind kind = Kind.BATCH;
    private String topic;
    private int size;
    private FlushTrigger trigger;
    private CompletableFuture<Void> barrier;
    private long commitPosition;
    private final byte[][] keys;
    private final byte[][] values;
    private final Object[] headers;
    private final Object[] futures;
    private final long[] publishNanos;
    private final long[] positions;
    private final Delivery[] deliveries;

    BatchSlot(int capacity) {
        keys = new byte[capacity][];
        values = new byte[capacity][];
        headers = new Object[capacity];
        futures = new Object[capacity];
        publishNanos = new long[capacity];
        positions = new long[capacity];
        deliveries = new Delivery[capacity];
    }

    void loadBatch(FlushedGroup group, FlushTrigger trigger) {
        int n = group.size();
        for (int i = 0; i < n; i++) {
            keys[i] = group.key(i);
            values[i] = group.value(i);
            headers[i] = group.headers(i);
            futures[i] = group.future(i);
            publishNanos[i] = group.publishNanos(i);
            positions[i] = group.position(i);
        }
        this.kind = Kind.BATCH;
        this.topic = group.topic();
        this.size = n;
        this.trigger = trigger;
    }

    void loadBarrier(CompletableFuture<Void> barrier) {
        this.kind = Kind.BARRIER;
        this.barrier = barrier;
        this.size = 0;
    }

    void loadCommit(long nextPosition) {
        this.kind = Kind.COMMIT;
        this.size = 0;
        this.commitPosition = nextPosition;
    }

    long commitPosition() {
        return commitPosition;
    }

    void loadMaintenance() {
        this.kind = Kind.MAINTENANCE;
        this.size = 0;
    }

    Kind kind() {
        return kind;
    }

    CompletableFuture<Void> barrier() {
        return barrier;
    }

    FlushTrigger trigger() {
        return trigger;
    }

    EventFuture future(int i) {
        return (EventFuture) futures[i];
    }

    long publishNanos(int i) {
        return publishNanos[i];
    }

    long position(int i) {
        return positions[i];
    }

    void setDelivery(int i, Delivery delivery) {
        deliveries[i] = delivery;
    }

    /** Drops every reference so the slot keeps no payload alive while it waits for reuse. */
    void clear() {
        for (int i = 0; i < size; i++) {
            keys[i] = null;
            values[i] = null;
            headers[i] = null;
            futures[i] = null;
            deliveries[i] = null;
        }
        size = 0;
        topic = null;
        barrier = null;
        trigger = null;
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
        return keys[i];
    }

    @Override
    public byte[] value(int i) {
        return values[i];
    }

    @Override
    @SuppressWarnings("unchecked")
    public Iterable<Header> headers(int i) {
        return (Iterable<Header>) headers[i];
    }

    @Override
    public Delivery delivery(int i) {
        return deliveries[i];
    }
}
