package dev.eventpublisher;

/**
 * Where Kafka stored an acknowledged event.
 *
 * <p>An interface, so the future that {@code publish} returns can carry its own result: an event then
 * costs one object on the way through the pipeline instead of three (see
 * {@link dev.eventpublisher.sender.EventFuture}). Compare results by their fields, not with {@code equals}.
 */
public interface PublishResult {
    /** The topic the event was published to. */
    String topic();

    /** The partition Kafka chose, or -1 when the configured sender has no partitions. */
    int partition();

    /** The offset within the partition, or -1 when the configured sender has no offsets. */
    long offset();

    /** A plain result, for senders and tests. */
    static PublishResult of(String topic, int partition, long offset) {
        return new Stored(topic, partition, offset);
    }

    /** A plain, immutable result. */
    record Stored(String topic, int partition, long offset) implements PublishResult {
    }
}
