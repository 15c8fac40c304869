package dev.eventpublisher.sender;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.PartitionInfo;
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
 * partition count of a topic is read from the producer's metadata and refreshed every 30 s; if it
 * cannot be read, the record goes without a partition and Kafka decides (and reports any error).
 *
 * <p>Single writer: used only by the sender thread.
 */
final class PartitionChooser {
    /** Let Kafka choose. */
    static final Integer KAFKA_DECIDES = null;
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int MAX_TOPICS = 10_000;
    /** Per-record overhead in a batch, roughly, for the sticky byte count. */
    private static final int RECORD_OVERHEAD_BYTES = 16;

    private final Producer<?, ?> producer;
    private final long stickyBytes;
    private final Map<String, TopicState> topics = new HashMap<>();

    private static final class TopicState {
        int partitions;
        long refreshAt;
        int sticky;
        long bytesOnSticky;
    }

    PartitionChooser(Producer<?, ?> producer, long stickyBytes) {
        this.producer = producer;
        this.stickyBytes = stickyBytes;
    }

    /** The state of {@code topic} for this batch, or null when its partition count is unknown. */
    Object forTopic(String topic, long nowNanos) {
        TopicState state = topics.get(topic);
        if (state == null) {
            if (topics.size() >= MAX_TOPICS) {
                topics.clear(); // bounded: a client inventing topics must not grow memory; counts are re-read
            }
            state = new TopicState();
            state.refreshAt = nowNanos;
            topics.put(topic, state);
        }
        if (nowNanos - state.refreshAt >= 0) {
            int partitions = partitionCount(topic);
            state.partitions = partitions;
            state.sticky = partitions > 0 ? state.sticky % partitions : 0;
            // An unknown count is retried sooner, but not per batch: reading it can wait max.block.ms.
            state.refreshAt = nowNanos + (partitions > 0 ? REFRESH_NANOS : RETRY_NANOS);
        }
        return state.partitions > 0 ? state : null;
    }

    /** The partition for one record of a topic whose state came from {@link #forTopic}. */
    Integer partition(Object topicState, byte[] key, byte[] value) {
        if (topicState == null) {
            return KAFKA_DECIDES;
        }
        TopicState state = (TopicState) topicState;
        if (key != null) {
            return Utils.toPositive(Utils.murmur2(key)) % state.partitions;
        }
        if (state.bytesOnSticky >= stickyBytes) {
            state.sticky = (state.sticky + 1) % state.partitions;
            state.bytesOnSticky = 0;
        }
        state.bytesOnSticky += (value == null ? 0 : value.length) + RECORD_OVERHEAD_BYTES;
        return state.sticky;
    }

    private int partitionCount(String topic) {
        try {
            List<PartitionInfo> partitions = producer.partitionsFor(topic);
            return partitions == null ? 0 : partitions.size();
        } catch (RuntimeException e) {
            // Unknown topic, no metadata, not authorised...: Kafka decides per record and reports the error.
            return 0;
        }
    }
}
