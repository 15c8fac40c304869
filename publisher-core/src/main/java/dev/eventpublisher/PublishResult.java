package dev.eventpublisher;

/**
 * Where Kafka stored an acknowledged event.
 *
 * @param topic     the topic the event was published to
 * @param partition the partition Kafka chose (or -1 when the configured sender has no partitions)
 * @param offset    the offset within the partition (or -1 when the configured sender has no offsets)
 */
public record PublishResult(String topic, int partition, long offset) {
}
