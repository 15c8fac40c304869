package dev.eventpublisher.sender;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The real {@link BatchSender}: one {@link KafkaProducer} fed by the single sender thread, so the
 * producer never sees contention from many application threads. Each record gets its
 * {@link Delivery} as the send callback; a record the producer refuses (too large, invalid) fails
 * alone and the rest of its batch is still sent. Partitions are chosen here, as Kafka's default
 * partitioner would (see {@link PartitionChooser}), unless a custom partitioner is configured.
 */
public final class KafkaBatchSender implements BatchSender {
    private static final long KAFKA_DEFAULT_BATCH_SIZE = 16_384;

    private final Producer<byte[], byte[]> producer;
    /** Null when Kafka must partition (a custom partitioner, ignored keys, or a producer we did not configure). */
    private final PartitionChooser partitions;

    /** Creates the producer from {@code producerProperties} (see {@link #defaultProducerProperties()}). */
    public KafkaBatchSender(Map<String, Object> producerProperties) {
        this.producer = new KafkaProducer<>(withByteSerializers(producerProperties));
        boolean defaultPartitioner = producerProperties.get(ProducerConfig.PARTITIONER_CLASS_CONFIG) == null
                && !"true".equalsIgnoreCase(String.valueOf(producerProperties.get(ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG)));
        Object batchSize = producerProperties.get(ProducerConfig.BATCH_SIZE_CONFIG);
        this.partitions = defaultPartitioner ? new PartitionChooser(producer,
                batchSize == null ? KAFKA_DEFAULT_BATCH_SIZE : Long.parseLong(batchSize.toString().trim())) : null;
    }

    /** Wraps an existing producer (Kafka partitions every record); it is closed by {@link #close}. */
    public KafkaBatchSender(Producer<byte[], byte[]> producer) {
        this.producer = producer;
        this.partitions = null;
    }

    /**
     * The publisher's producer defaults, safe first: {@code acks=all}, idempotence on (so retries
     * neither duplicate nor reorder within a partition), at most 5 requests in flight, and a bounded
     * {@code max.block.ms} so a metadata or buffer wait cannot stall the sender thread (and through it
     * the ring) for Kafka's default minute. Any of them can be overridden.
     */
    public static Map<String, Object> defaultProducerProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return p;
    }

    private static Map<String, Object> withByteSerializers(Map<String, Object> properties) {
        Map<String, Object> p = new HashMap<>(properties);
        // Serialisation happens on the caller's thread; the producer only ever sees bytes.
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    @Override
    public void send(OutgoingBatch batch) {
        String topic = batch.topic();
        int n = batch.size();
        Object topicPartitions = partitions == null ? null : partitions.forTopic(topic, System.nanoTime());
        for (int i = 0; i < n; i++) {
            Delivery delivery = batch.delivery(i);
            try {
                byte[] key = batch.key(i);
                byte[] value = batch.value(i);
                Integer partition = partitions == null ? null : partitions.partition(topicPartitions, key, value);
                producer.send(new ProducerRecord<>(topic, partition, null, key, value, batch.headers(i)), delivery);
            } catch (RuntimeException e) {
                // Thrown (not called back): producer closed, buffer wait timed out, interrupted...
                delivery.fail(e);
            }
        }
    }

    @Override
    public void close(Duration timeout) {
        producer.close(timeout);
    }

    /** The underlying producer, e.g. to bridge its metrics. */
    public Producer<byte[], byte[]> producer() {
        return producer;
    }
}
