package dev.eventpublisher.sender;

import java.util.concurrent.CompletableFuture;

import com.lmax.disruptor.RingBuffer;
import dev.eventpublisher.batch.BatchOutput;
import dev.eventpublisher.batch.FlushTrigger;
import dev.eventpublisher.batch.FlushedGroup;

/**
 * The batcher's side of the hand-off to the sender thread: each flushed group is copied into the next
 * slot of a single-producer ring. When the sender falls behind, {@code next()} waits for a free slot,
 * the batcher stops draining the main ring, and publishers meet the backpressure policy: the pipeline
 * never buffers without bound.
 */
public final class SenderRing implements BatchOutput {
    private final RingBuffer<BatchSlot> ring;
    private final BatchSender sender;

    SenderRing(RingBuffer<BatchSlot> ring, BatchSender sender) {
        this.ring = ring;
        this.sender = sender;
    }

    /** Wakes the sender thread for its periodic work, when it has some. */
    @Override
    public void tick() {
        if (!sender.needsMaintenance()) {
            return;
        }
        long sequence = ring.next();
        try {
            ring.get(sequence).loadMaintenance();
        } finally {
            ring.publish(sequence);
        }
    }

    /** Like {@link #tick}, from another thread, without waiting for a slot. */
    void tickIfRoom() {
        if (!sender.needsMaintenance()) {
            return;
        }
        long sequence;
        try {
            sequence = ring.tryNext();
        } catch (com.lmax.disruptor.InsufficientCapacityException full) {
            return;
        }
        try {
            ring.get(sequence).loadMaintenance();
        } finally {
            ring.publish(sequence);
        }
    }

    @Override
    public void flush(FlushedGroup group, FlushTrigger trigger) {
        long sequence = ring.next();
        try {
            ring.get(sequence).loadBatch(group, trigger);
        } finally {
            // Always publish a claimed sequence, or the sender would wait for it forever.
            ring.publish(sequence);
        }
    }

    @Override
    public void commit(long nextPosition) {
        long sequence = ring.next();
        try {
            ring.get(sequence).loadCommit(nextPosition);
        } finally {
            ring.publish(sequence);
        }
    }

    @Override
    public void barrier(CompletableFuture<Void> done) {
        long sequence = ring.next();
        try {
            ring.get(sequence).loadBarrier(done);
        } finally {
            ring.publish(sequence);
        }
    }
}
