package dev.eventpublisher.bench;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.eventpublisher.kafka.embedded.EmbeddedKafkaBroker;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real broker for one benchmark fork, and the producer properties every Kafka benchmark shares,
 * so the pipeline and the raw producer are compared with identical settings.
 */
final class KafkaFixture implements AutoCloseable {
    static final int PARTITIONS = 3;

    private final EmbeddedKafkaBroker broker;

    KafkaFixture() {
        broker = EmbeddedKafkaBroker.builder().defaultPartitions(PARTITIONS).build().start();
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** A new topic with 3 partitions, so every measurement starts from empty partitions. */
    String newTopic(String prefix) {
        String topic = prefix + "-" + System.nanoTime();
        broker.createTopic(topic, PARTITIONS);
        return topic;
    }

    /**
     * The tuned settings of the measured baseline (../shared/KAFKA-NOTES.md): safe delivery (acks=all,
     * idempotence) plus lz4, 256 KiB batches and 10 ms linger.
     */
    Map<String, Object> producerProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /**
     * A publisher on this broker with {@link #producerProperties()} that, saturated, waits for room instead of
     * refusing: publishers use {@code BLOCK} (5 minutes), so the score is what the slowest stage lets through.
     */
    dev.eventpublisher.EventPublisherBuilder saturatingPublisher() {
        Map<String, Object> props = producerProperties();
        props.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        props.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return dev.eventpublisher.EventPublisher.builder().producerProperties(props)
                .backpressure(dev.eventpublisher.Backpressure.BLOCK).blockTimeout(java.time.Duration.ofMinutes(5));
    }

    @Override
    public void close() {
        broker.close();
    }
}
