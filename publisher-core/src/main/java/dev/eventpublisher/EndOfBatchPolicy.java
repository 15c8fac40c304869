package dev.eventpublisher;

/**
 * Whether the batcher also flushes when the ring runs empty (the Disruptor's {@code endOfBatch}).
 */
public enum EndOfBatchPolicy {
    /**
     * Flush every pending group when the batcher has caught up with the producers. Under load batches
     * stay large (the ring is rarely empty); when load is light an event leaves at once instead of
     * waiting for the timeout. The default.
     */
    FLUSH_ALL,
    /** Flush only on size, timeout, max size, force and shutdown: fullest batches, highest latency. */
    SIZE_OR_TIMEOUT
}
