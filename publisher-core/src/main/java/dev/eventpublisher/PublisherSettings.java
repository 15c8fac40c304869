package dev.eventpublisher;

import java.time.Duration;
import java.util.Map;

import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.sender.ExactlyOnceConfig;

/**
 * The validated, immutable settings of a publisher. Built by {@link EventPublisherBuilder}, which
 * checks every value once; the pipeline only ever sees these plain typed values.
 *
 * @param name               prefix of thread names and of the Kafka client id
 * @param batchSize          default flush size per topic (events)
 * @param batchTimeout       default age at which a topic group is flushed
 * @param maxBatchSize       cap on pending events across all topics
 * @param ringSize           ring buffer slots (a power of two)
 * @param waitStrategy       how the batcher and sender wait for work
 * @param backpressure       what publish does on a full ring
 * @param blockTimeout       how long {@link Backpressure#BLOCK} waits for space
 * @param endOfBatchPolicy   whether the batcher flushes when it catches up
 * @param tickInterval       how often the timer checks for groups past their timeout
 * @param closeTimeout       the deadline {@link EventPublisher#close()} uses
 * @param producerProperties Kafka producer properties (defaults plus overrides; empty with a custom sender)
 * @param flushWhenIdle      have Kafka send what it holds whenever the pipeline runs dry (so {@code linger.ms}
 *                           only fills batches under load)
 * @param topics             per-topic batching overrides
 * @param circuitBreaker     whether a circuit breaker refuses publishing while Kafka takes no events
 * @param circuitStallTimeout events in flight without any acknowledgement for this long count as a failure
 * @param circuitOpenDuration how long an open circuit waits before probing
 * @param retry              how records that Kafka's {@code send()} refuses are retried
 * @param deadLetterTopic    where events failing for a reason of their own go; null for none
 * @param journal            the durable journal's settings; null for none (acceptance in memory only)
 * @param exactlyOnce        exactly-once delivery's settings (needs the journal); null for at-least-once
 * @param maxBytes           the byte budget: events held in memory (ring, batcher, sender, producer) until their
 *                           outcome, beyond which publishing is refused like on a full ring
 */
public record PublisherSettings(String name, int batchSize, Duration batchTimeout, int maxBatchSize, int ringSize,
                                WaitStrategyType waitStrategy, Backpressure backpressure, Duration blockTimeout,
                                EndOfBatchPolicy endOfBatchPolicy, Duration tickInterval, Duration closeTimeout,
                                Map<String, Object> producerProperties, boolean flushWhenIdle,
                                Map<String, TopicSettings> topics,
                                boolean circuitBreaker, Duration circuitStallTimeout, Duration circuitOpenDuration,
                                RetryPolicy retry, String deadLetterTopic, JournalConfig journal,
                                ExactlyOnceConfig exactlyOnce, long maxBytes) {

    public PublisherSettings {
        producerProperties = Map.copyOf(producerProperties);
        topics = Map.copyOf(topics);
    }

    /** The batch size that applies to {@code topic}. */
    public int batchSizeFor(String topic) {
        TopicSettings t = topics.get(topic);
        return t != null && t.batchSize() != null ? t.batchSize() : batchSize;
    }

    /** The batch timeout that applies to {@code topic}. */
    public Duration batchTimeoutFor(String topic) {
        TopicSettings t = topics.get(topic);
        return t != null && t.batchTimeout() != null ? t.batchTimeout() : batchTimeout;
    }
}
