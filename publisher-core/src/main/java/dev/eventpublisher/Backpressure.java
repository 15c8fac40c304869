package dev.eventpublisher;

/** What {@code publish} does when the ring buffer is full. It never waits on Kafka itself. */
public enum Backpressure {
    /** Wait for a free slot up to the block timeout, then refuse with {@link PublishRejectedException}. */
    BLOCK,
    /** Refuse at once with {@link PublishRejectedException}; counted as rejected. */
    REJECT,
    /** Refuse at once with {@link PublishRejectedException}; counted as dropped (for lossy telemetry). */
    DROP
}
