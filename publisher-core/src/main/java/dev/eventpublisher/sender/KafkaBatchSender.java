package dev.eventpublisher.sender;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.RetryPolicy;
import dev.eventpublisher.metrics.MetricNames;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@link BatchSender}: one {@link KafkaProducer} fed by the single sender thread, so the
 * producer never sees contention from many application threads.
 *
 * <ul>
 *   <li>Each record carries a {@link RecordCallback}; a record Kafka refuses (too large, invalid) fails
 *       alone and the rest of its batch is still sent.</li>
 *   <li>A record that {@code send()} refuses on the spot with a retriable error (no metadata, no buffer
 *       space within {@code max.block.ms}) is retried by the sender thread, with backoff, before anything
 *       else is sent ({@link RetryPolicy}), so order holds.</li>
 *   <li>A fatal producer error (fenced, out-of-order sequence, closed underneath us) replaces the producer
 *       with a new one instead of failing every later event; counted in {@code producer.recreated}.</li>
 *   <li>With a dead-letter topic, an event that fails for a non-retriable reason of its own is written
 *       there, with headers naming its topic and the reason; its outcome is a failure with reason
 *       {@code dead_letter} whose cause ({@link DeadLetteredException}) says where it was stored.</li>
 *   <li>With {@code transactional.id} set, each flushed topic batch is one Kafka transaction: its events
 *       are acknowledged only after the commit, or all fail if it aborts; a read_committed consumer never
 *       sees part of a flush. A retriable or fencing failure retries the whole batch in a new transaction.</li>
 *   <li>Partitions are chosen here, as Kafka's default partitioner would (see {@link PartitionChooser}),
 *       unless a custom partitioner is configured.</li>
 * </ul>
 *
 * <p>Threads: {@link #send} and {@link #maintain} run on the sender thread, which owns the producer
 * reference; Kafka's I/O thread reports outcomes through {@link RecordCallback}.
 */
public final class KafkaBatchSender implements BatchSender {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSender.class);
    private static final long KAFKA_DEFAULT_BATCH_SIZE = 16_384;
    /** Header names of a dead-lettered record. */
    public static final String HEADER_ORIGINAL_TOPIC = "dead-letter.original-topic";
    public static final String HEADER_REASON = "dead-letter.reason";
    public static final String HEADER_ERROR = "dead-letter.error";

    private final Map<String, Object> producerProperties;
    private final boolean transactional;
    private final boolean choosePartitions;
    private final long stickyBytes;
    private final RetryPolicy retry;
    private final DeadLetterRoute deadLetters;
    private final Counter recreated;
    private final Counter retries;

    /** Sender thread: the current producer and what it knows about the send in progress. */
    private volatile Producer<byte[], byte[]> producer;
    private PartitionChooser partitions;
    private volatile Thread senderThread;
    private boolean sending;
    private Exception spotFailure;

    /** Any thread: the producer must be replaced before the next send. */
    private volatile boolean fatal;
    private volatile Throwable fatalCause;
    private volatile boolean closing;

    /** Creates the producer from {@code producerProperties}, with the default retry policy and no dead letters. */
    public KafkaBatchSender(Map<String, Object> producerProperties) {
        this(producerProperties, RetryPolicy.DEFAULT, null, new MetricRegistry());
    }

    /**
     * @param producerProperties see {@link #defaultProducerProperties()}; {@code transactional.id} turns on
     *                           one transaction per flushed batch
     * @param retry              how records refused by {@code send()} are retried
     * @param deadLetterTopic    where events failing for a non-retriable reason go; null for none
     */
    public KafkaBatchSender(Map<String, Object> producerProperties, RetryPolicy retry, String deadLetterTopic,
                            MetricRegistry registry) {
        this.producerProperties = withByteSerializers(producerProperties);
        this.transactional = producerProperties.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG) != null;
        this.choosePartitions = producerProperties.get(ProducerConfig.PARTITIONER_CLASS_CONFIG) == null
                && !"true".equalsIgnoreCase(String.valueOf(producerProperties.get(ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG)));
        Object batchSize = producerProperties.get(ProducerConfig.BATCH_SIZE_CONFIG);
        this.stickyBytes = batchSize == null ? KAFKA_DEFAULT_BATCH_SIZE : Long.parseLong(batchSize.toString().trim());
        this.retry = retry;
        this.recreated = registry.counter(MetricNames.PRODUCER_RECREATED);
        this.retries = registry.counter(MetricNames.SENDER_RETRIES);
        this.producer = newProducer();
        this.partitions = choosePartitions ? new PartitionChooser(producer, stickyBytes) : null;
        this.deadLetters = deadLetterTopic == null || transactional ? null
                : new DeadLetterRoute(deadLetterTopic, registry.counter(MetricNames.EVENTS_DEAD_LETTERED));
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
        return Map.copyOf(p);
    }

    private Producer<byte[], byte[]> newProducer() {
        KafkaProducer<byte[], byte[]> created = new KafkaProducer<>(producerProperties);
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

    /** Whether this sender writes each flush as one transaction. */
    boolean transactional() {
        return transactional;
    }

    @Override
    public void send(OutgoingBatch batch) {
        senderThread = Thread.currentThread();
        maintain();
        String topic = batch.topic();
        Object topicPartitions = partitions == null ? null : partitions.forTopic(topic, System.nanoTime());
        if (transactional) {
            sendTransaction(batch, topicPartitions);
            return;
        }
        for (int i = 0, n = batch.size(); i < n; i++) {
            RecordCallback callback = callbackFor(batch, i, topicPartitions);
            Exception failure = sendWithRetry(callback);
            if (failure != null) {
                failedForGood(callback, failure);
            }
        }
    }

    private RecordCallback callbackFor(OutgoingBatch batch, int i, Object topicPartitions) {
        byte[] key = batch.key(i);
        byte[] value = batch.value(i);
        Integer partition = partitions == null ? null : partitions.partition(topicPartitions, key, value);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(batch.topic(), partition, null, key, value, batch.headers(i));
        return new RecordCallback(batch.delivery(i), record, this);
    }

    /**
     * Hands one record to Kafka, retrying on the spot while {@code send()} refuses it with a retriable
     * error (and replacing the producer after a fatal one). Returns null once Kafka took it, else the error.
     */
    private Exception sendWithRetry(RecordCallback callback) {
        long firstTry = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            Exception failure = sendOnce(callback);
            if (failure == null) {
                return null;
            }
            if (isFatal(failure) && !closing) {
                replaceProducer(failure);
                if (attempt < retry.maxAttempts()) {
                    continue; // the record never entered the old producer
                }
            }
            if (closing || !retry.shouldRetry(failure, attempt, firstTry, System.nanoTime())) {
                return failure;
            }
            retries.inc();
            if (attempt == 1) {
                LOG.warn("Kafka refused a record for {} ({}); retrying with backoff", callback.record.topic(), failure.toString());
            }
            pause(retry.backoffNanos(attempt));
        }
    }

    private Exception sendOnce(RecordCallback callback) {
        return sendOnce(callback.record, callback);
    }

    /** One {@code send()}; returns the error if Kafka refused the record on the spot. */
    private Exception sendOnce(ProducerRecord<byte[], byte[]> record, org.apache.kafka.clients.producer.Callback callback) {
        sending = true;
        spotFailure = null;
        try {
            producer.send(record, callback);
        } catch (RuntimeException e) {
            // Thrown rather than called back: producer closed or failed, interrupted...
            spotFailure = e;
        } finally {
            sending = false;
        }
        return spotFailure;
    }

    /** Whether Kafka is calling back synchronously, from inside {@link #sendOnce}. */
    boolean isSendingOnThisThread() {
        return sending && Thread.currentThread() == senderThread;
    }

    void failedOnTheSpot(Exception failure) {
        spotFailure = failure;
    }

    /** A record Kafka took failed later (I/O thread, or the closing thread). */
    void failedLater(RecordCallback callback, Exception failure) {
        if (isFatal(failure) && !closing) {
            fatalCause = failure;
            fatal = true;
        }
        failedForGood(callback, failure);
    }

    private void failedForGood(RecordCallback callback, Exception failure) {
        if (deadLetters != null && !closing && DeadLetterRoute.applies(failure) && !isFatal(failure)) {
            deadLetters.enqueue(callback, failure);
        } else {
            callback.delivery.fail(failure);
        }
    }

    @Override
    public boolean needsMaintenance() {
        return fatal || (deadLetters != null && deadLetters.hasWork());
    }

    /** Sender thread: replace a failed producer, write pending dead letters. */
    @Override
    public void maintain() {
        senderThread = Thread.currentThread();
        if (fatal && !closing) {
            replaceProducer(fatalCause);
        }
        if (deadLetters != null) {
            deadLetters.drain((record, callback) -> sendOnce(record, new SpotAware(callback)), closing);
        }
    }

    /** Routes a synchronous failure (reported during {@code send()}) back to the send loop. */
    private final class SpotAware implements org.apache.kafka.clients.producer.Callback {
        private final org.apache.kafka.clients.producer.Callback target;

        SpotAware(org.apache.kafka.clients.producer.Callback target) {
            this.target = target;
        }

        @Override
        public void onCompletion(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception exception) {
            if (exception != null && isSendingOnThisThread()) {
                failedOnTheSpot(exception);
            } else {
                target.onCompletion(metadata, exception);
            }
        }
    }

    private void replaceProducer(Throwable cause) {
        LOG.warn("the Kafka producer failed fatally ({}); replacing it", String.valueOf(cause));
        Producer<byte[], byte[]> old = producer;
        fatal = false;
        try {
            // Fails what the old producer still held: those events may or may not have been written.
            old.close(Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.warn("closing the failed producer: {}", e.toString());
        }
        while (!closing) {
            try {
                producer = newProducer();
                partitions = choosePartitions ? new PartitionChooser(producer, stickyBytes) : null;
                recreated.inc();
                return;
            } catch (RuntimeException e) {
                LOG.error("cannot create a new Kafka producer ({}); trying again", e.toString());
                pause(retry.maxBackoff().toNanos());
            }
        }
    }

    /** One flushed batch as one transaction, retried whole after a retriable or fencing failure. */
    private void sendTransaction(OutgoingBatch batch, Object topicPartitions) {
        long firstTry = System.nanoTime();
        List<RecordCallback> callbacks = new ArrayList<>(batch.size());
        for (int attempt = 1; ; attempt++) {
            callbacks.clear();
            Exception failure = null;
            RecordCallback culprit = null;
            try {
                producer.beginTransaction();
                for (int i = 0, n = batch.size(); i < n && failure == null; i++) {
                    RecordCallback callback = callbackFor(batch, i, topicPartitions);
                    callbacks.add(callback);
                    failure = sendOnce(callback);
                    culprit = failure == null ? null : callback;
                }
                if (failure == null) {
                    producer.commitTransaction();
                }
            } catch (KafkaException | IllegalStateException e) {
                failure = e;
            }
            if (failure == null) {
                for (RecordCallback c : callbacks) {
                    c.delivery.acknowledge(c.metadata.partition(), c.metadata.offset());
                }
                return;
            }
            for (RecordCallback c : callbacks) {
                if (culprit == null && c.failure != null && !(c.failure instanceof TransactionAbortedException)
                        && !isFatal(c.failure)) {
                    culprit = c; // a record of its own failed (e.g. too large for the broker)
                }
            }
            abortQuietly(failure);
            Throwable reason = culprit != null ? (culprit.failure != null ? culprit.failure : failure) : failure;
            boolean wholeBatchMayRetry = culprit == null || retry.shouldRetry(reason, 1, firstTry, System.nanoTime());
            if (fatal && !closing) {
                replaceProducer(fatalCause);
            }
            if (!closing && wholeBatchMayRetry && (isFatal(failure) || retry.shouldRetry(failure, attempt, firstTry, System.nanoTime()))
                    && attempt < retry.maxAttempts()) {
                retries.inc();
                LOG.warn("transaction for {} failed ({}); retrying the whole flush", batch.topic(), failure.toString());
                pause(retry.backoffNanos(attempt));
                continue;
            }
            for (RecordCallback c : callbacks) {
                c.delivery.fail(c == culprit ? (Exception) reason
                        : new TransactionAbortedException("flush of " + batch.size() + " events aborted: " + reason));
            }
            for (int i = callbacks.size(); i < batch.size(); i++) {
                batch.delivery(i).fail(new TransactionAbortedException("flush aborted before this event was sent: " + reason));
            }
            return;
        }
    }

    private void abortQuietly(Exception failure) {
        if (isFatal(failure)) {
            fatalCause = failure;
            fatal = true;
            return;
        }
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            fatalCause = e;
            fatal = true;
        }
    }

    /** Errors after which this producer cannot go on; a new one can. */
    private boolean isFatal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.ProducerFencedException
                    || t instanceof org.apache.kafka.common.errors.InvalidProducerEpochException
                    || t instanceof org.apache.kafka.common.errors.OutOfOrderSequenceException
                    || t instanceof org.apache.kafka.common.errors.UnsupportedVersionException
                    || t instanceof org.apache.kafka.common.errors.ClusterAuthorizationException
                    || t instanceof org.apache.kafka.common.errors.TransactionalIdAuthorizationException
                    || (t instanceof IllegalStateException && !closing)) {
                return true;
            }
        }
        return false;
    }

    private void pause(long nanos) {
        long deadline = System.nanoTime() + nanos;
        long left;
        while (!closing && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(Math.min(left, 50_000_000L));
        }
    }

    @Override
    public void close(Duration timeout) {
        closing = true;
        if (deadLetters != null) {
            deadLetters.drain((record, callback) -> sendOnce(record, new SpotAware(callback)), true);
        }
        producer.close(timeout);
    }

    /** The current producer, e.g. to read its metrics; replaced after a fatal error. */
    public Producer<byte[], byte[]> producer() {
        return producer;
    }
}
