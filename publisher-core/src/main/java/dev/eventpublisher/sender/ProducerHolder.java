package dev.eventpublisher.sender;

import java.time.Duration;
import java.util.Map;

import com.codahale.metrics.Counter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender's Kafka producer: created, and replaced after a fatal error.
 * Owned by the sender thread; other threads may read {@link #producer()} (metrics).
 */
final class ProducerHolder {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerHolder.class);

    private final Map<String, Object> properties;
    private final boolean transactional;
    private final Counter recreated;
    private volatile Producer<byte[], byte[]> producer;

    /**
     * @param initLater transactional: leave {@code initTransactions()} of the first producer to {@link #initTransactions}
     *                  (exactly-once start, which may have to wait for Kafka); replacements always init at once
     */
    ProducerHolder(Map<String, Object> properties, boolean transactional, boolean initLater, Counter recreated) {
        this.properties = properties;
        this.transactional = transactional;
        this.recreated = recreated;
        this.producer = initLater ? new KafkaProducer<>(properties) : create();
    }

    Object transactionalId() {
        return properties.get(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    }

    Producer<byte[], byte[]> producer() {
        return producer;
    }

    private Producer<byte[], byte[]> create() {
        KafkaProducer<byte[], byte[]> created = new KafkaProducer<>(properties);
        if (transactional) {
            try {
                created.initTransactions();
            } catch (RuntimeException e) {
                created.close(Duration.ZERO);
                throw e;
            }
        }
        return created;
    }

    /**
     * Starting thread, before the sender thread uses the producer: fences an earlier producer with the same
     * {@code transactional.id} and settles its open transaction. After a failure the producer is made anew
     * (uninitialised), so the next call starts clean.
     */
    void initTransactions() {
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            producer = new KafkaProducer<>(properties);
            throw e;
        }
    }

    /**
     * Closes the failed producer at once (failing what it still held: those records may or may not have
     * been written) and makes a new one, retrying every {@code retryPauseNanos} until it works or
     * {@code closing} says stop.
     */
    void replace(Throwable cause, java.util.function.BooleanSupplier closing, java.util.function.LongConsumer pause,
                 long retryPauseNanos) {
        LOG.warn("the Kafka producer failed fatally ({}); replacing it", String.valueOf(cause));
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.warn("closing the failed producer: {}", e.toString());
        }
        while (!closing.getAsBoolean()) {
            try {
                producer = create();
                recreated.inc();
                return;
            } catch (RuntimeException e) {
                LOG.error("cannot create a new Kafka producer ({}); trying again", e.toString());
                pause.accept(retryPauseNanos);
            }
        }
    }
}
