package dev.eventpublisher.sender;

import org.apache.kafka.common.utils.Utils;

/**
 * Chooses each record's partition on the sender thread, the way Kafka's default partitioner would,
 * so the producer skips its own per-record partitioning work:
 * <ul>
 *   <li>a keyed record goes to {@code toPositive(murmur2(key)) % partitions} — the default
 *       partitioner's formula, so a key lands where it always has;</li>
 *   <li>records without a key stick to one partition until about {@code batch.size} bytes went there,
 *       then move to the next one (Kafka's sticky partitioning, without its adaptive load weighting).</li>
 * </ul>
 * Used only when no custom {@code partitioner.class} is configured and keys are not ignored. The
 * partition count and the sticky state live in the topic's {@link TopicMetadata.Topic}, which is READY
 * or PROBING (its count known) whenever a record is sent with a chosen partition; any other record goes without one
 * and Kafka decides.
 *
 * <p>Single writer: used only by the sender thread.
 */
final class PartitionChooser {
    /** Let Kafka choose. */
    static final Integer KAFKA_DECIDES = null;
    /** Per-record overhead in a batch, roughly, for the sticky byte count. */
    private static final int RECORD_OVERHEAD_BYTES = 16;

    private final long stickyBytes;

    PartitionChooser(long stickyBytes) {
        this.stickyBytes = stickyBytes;
    }

    /** The partition for one record of {@code topic}; {@link #KAFKA_DECIDES} unless its count is known. */
    Integer partition(TopicMetadata.Topic topic, byte[] key, byte[] value) {
        if (topic == null || topic.partitions <= 0
                || topic.state != TopicMetadata.State.READY && topic.state != TopicMetadata.State.PROBING) {
            return KAFKA_DECIDES;
        }
        if (key != null) {
            return Utils.toPositive(Utils.murmur2(key)) % topic.partitions;
        }
        if (topic.bytesOnSticky >= stickyBytes) {
            topic.sticky = (topic.sticky + 1) % topic.partitions;
            topic.bytesOnSticky = 0;
        }
        topic.bytesOnSticky += (value == null ? 0 : value.length) + RECORD_OVERHEAD_BYTES;
        return topic.sticky;
    }
}
