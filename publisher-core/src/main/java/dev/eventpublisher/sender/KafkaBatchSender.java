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
 * alone and the rest of its batch is still sent.
 */
public final class KafkaBatchSender implements BatchSender {
    private final Producer<byte[], byte[]> producer;

    /** Creates the producer from {@code producerProperties} (see {@link #defaultProducerProperties()}). */
    public KafkaBatchSender(Map<String, Object> producerProperties) {
        this(new KafkaProducer<>(withByteSerializers(producerProperties)));
    }

    /** Wraps an existing producer; it is closed by {@link #close}. */
    public KafkaBatchSender(Producer<byte[], byte[]> producer) {
        this.producer = producer;
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
        for (int i = 0; i < n; i++) {
            Delivery delivery = batch.delivery(i);
            try {
                producer.send(new ProducerRecord<>(topic, null, null, batch.key(i), batch.value(i), batch.headers(i)),
                        delivery);
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
