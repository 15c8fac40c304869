package dev.eventpublisher.batch;

import java.util.concurrent.CompletableFuture;

/** Where the batcher hands its work: to the sender thread in production, to a recorder in tests. */
public interface BatchOutput {
    /** Takes one flushed topic group; must copy what it needs before returning. */
    void flush(FlushedGroup group, FlushTrigger trigger);

    /**
     * Marks a point in the stream: {@code done} must complete once every event flushed before this
     * call has its outcome.
     */
    void barrier(CompletableFuture<Void> done);

    /**
     * Exactly-once mode: every journal position below {@code nextPosition} has been flushed (or was never
     * the batcher's to flush); the open transaction may commit with this as its committed position.
     */
    default void commit(long nextPosition) {
    }

    /** A timer tick reached the batcher: the output may do periodic work of its own. */
    default void tick() {
    }
}
