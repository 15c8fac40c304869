package dev.eventpublisher.sender;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.RetriableException;
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
 *       ({@link ProducerHolder}) instead of failing every later event; counted in {@code producer.recreated}.</li>
 *   <li>A journalled event is never given up for Kafka's faults: whatever failed it (expiry, a broker down,
 *       the producer replaced) it is queued ({@link ResendQueue}) and sent again after a backoff; counted in
 *       {@code journal.resent}. Only a failure of its own ({@link Failures#ownFault}) ends it. Closing
 *       leaves it in the journal ({@link Delivery#defer}).</li>
 *   <li>With a dead-letter topic, an event that fails for a non-retriable reason of its own is written
 *       there ({@link DeadLetterRoute}).</li>
 *   <li>With {@code transactional.id} set, each flushed topic batch is one Kafka transaction
 *       ({@link TransactionalSend}).</li>
 *   <li>Exactly-once ({@link ExactlyOnceConfig}): one transaction spans the batches between two commit marks and
 *       writes the journal position it covers to the offsets topic ({@link TransactionSpan}); a restarted
 *       publisher starts with {@link #startExactlyOnce}.</li>
 *   <li>{@code linger.ms} fills Kafka's batches only while events keep coming: when the pipeline runs dry (and at
 *       every flush barrier) a {@link ProducerFlusher} has the producer send what it holds.</li>
 *   <li>Partitions are chosen here, as Kafka's default partitioner would (see {@link PartitionChooser}),
 *       unless a custom partitioner is configured.</li>
 *   <li>The sender thread never waits for a topic's metadata (a topic being created, or one Kafka cannot create):
 *       {@link TopicMetadata} looks topics up on other threads and records for a topic not looked up yet are
 *       parked on it, so they never hold up topics that exist. (Transactional modes wait for the lookup: a
 *       transaction keeps its batches in order.)</li>
 * </ul>
 *
 * <p>Threads: {@link #send} and {@link #maintain} run on the sender thread, which owns the producer
 * reference; Kafka's I/O thread reports outcomes through {@link RecordCallback}.
 */
public final class KafkaBatchSender implements BatchSender {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSender.class);
    private static final long KAFKA_DEFAULT_BATCH_SIZE = 16_384;
    /**
     * A journalled event that keeps failing with a non-retriable error Kafka does not name as the event's
     * fault (say {@code UnknownServerException}) is treated as at fault after this many re-sends, so one
     * poisoned event cannot hold the journal forever.
     */
    static final int MAX_RESENDS_FOR_UNCLASSIFIED = 10;
    /** Header names of a dead-lettered record. */
    public static final String HEADER_ORIGINAL_TOPIC = "dead-letter.original-topic";
    public static final String HEADER_REASON = "dead-letter.reason";
    public static final String HEADER_ERROR = "dead-letter.error";

    private final boolean transactional;
    private final RetryPolicy retry;
    private final DeadLetterRoute deadLetters;
    private final ResendQueue resends = new ResendQueue();
    private final ProducerHolder holder;
    /** Null when Kafka chooses partitions (a custom partitioner, or keys ignored). */
    private final PartitionChooser chooser;
    private final TopicMetadata metadata;
    /** See {@link #parkAtMost}. */
    private int parkLimit = 65_536;
    private final TransactionalSend transactions;
    /** Exactly-once mode only (else null). */
    private final TransactionSpan span;
    private final CommittedPositions positions;
    private final Counter retries;
    private final Counter resent;
    /** Null when transactional (a commit sends everything). */
    private final ProducerFlusher flusher;
    private final boolean flushWhenIdle;

    /** Sender thread: what it knows about the send in progress. */
    private volatile Thread senderThread;
    private boolean sending;
    private Exception spotFailure;
    /** Records went to {@code send()} since the last flush was asked for. */
    private boolean unflushed;

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
     * @param retry              how records refused by {@code send()} are retried (and the backoff of re-sends)
     * @param deadLetterTopic    where events failing for a non-retriable reason go; null for none
     */
    public KafkaBatchSender(Map<String, Object> producerProperties, RetryPolicy retry, String deadLetterTopic,
                            MetricRegistry registry) {
        this(producerProperties, retry, deadLetterTopic, registry, null, null);
    }

    /**
     * @param exactlyOnce null for at-least-once; else {@code producerProperties} must carry the journal's
     *                    {@code transactional.id} and {@link #startExactlyOnce} must run before the first send
     * @param journalKey  exactly-once: the journal's id, the key of its committed position
     */
    public KafkaBatchSender(Map<String, Object> producerProperties, RetryPolicy retry, String deadLetterTopic,
                            MetricRegistry registry, ExactlyOnceConfig exactlyOnce, String journalKey) {
        this(producerProperties, retry, deadLetterTopic, registry, exactlyOnce, journalKey, true);
    }

    /**
     * @param flushWhenIdle have Kafka send what it holds whenever the pipeline runs dry ({@link ProducerFlusher}), so
     *                      {@code linger.ms} fills batches only under load; ignored with transactions (a commit
     *                      sends everything anyway)
     */
    public KafkaBatchSender(Map<String, Object> producerProperties, RetryPolicy retry, String deadLetterTopic,
                            MetricRegistry registry, ExactlyOnceConfig exactlyOnce, String journalKey,
                            boolean flushWhenIdle) {
        Map<String, Object> properties = withByteSerializers(producerProperties);
        this.transactional = producerProperties.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG) != null;
        boolean choosePartitions = producerProperties.get(ProducerConfig.PARTITIONER_CLASS_CONFIG) == null
                && !"true".equalsIgnoreCase(String.valueOf(producerProperties.get(ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG)));
        Object batchSize = producerProperties.get(ProducerConfig.BATCH_SIZE_CONFIG);
        long stickyBytes = batchSize == null ? KAFKA_DEFAULT_BATCH_SIZE : Long.parseLong(batchSize.toString().trim());
        this.retry = retry;
        this.retries = registry.counter(MetricNames.SENDER_RETRIES);
        this.resent = registry.counter(MetricNames.JOURNAL_RESENT);
        boolean exactly = exactlyOnce != null;
        if (exactly && !transactional) {
            throw new IllegalArgumentException("exactly-once needs the journal's transactional.id in the producer properties");
        }
        this.holder = new ProducerHolder(properties, transactional, exactly, registry.counter(MetricNames.PRODUCER_RECREATED));
        this.chooser = choosePartitions ? new PartitionChooser(stickyBytes) : null;
        this.metadata = new TopicMetadata(holder::producer, new TopicExistence(properties), forgetTopicsAfterNanos(properties),
                maxBlockNanos(properties),
                properties.getOrDefault(ProducerConfig.CLIENT_ID_CONFIG, "publisher") + "-metadata");
        this.transactions = transactional && !exactly ? new TransactionalSend(this, holder, retry) : null;
        this.deadLetters = deadLetterTopic == null || transactional ? null
                : new DeadLetterRoute(deadLetterTopic, registry.counter(MetricNames.EVENTS_DEAD_LETTERED));
        this.positions = exactly ? new CommittedPositions(exactlyOnce.offsetsTopic(), journalKey, properties) : null;
        this.span = exactly ? new TransactionSpan(this, holder, retry, positions, deadLetterTopic,
                registry.counter(MetricNames.TRANSACTIONS_COMMITTED), registry.counter(MetricNames.TRANSACTIONS_ABORTED),
                registry.counter(MetricNames.EVENTS_DEAD_LETTERED),
                registry.histogram(MetricNames.TRANSACTIONS_COMMIT_NANOS, () -> new com.codahale.metrics.Histogram(
                        new dev.eventpublisher.metrics.HdrHistogramReservoir(60))),
                registry.histogram(MetricNames.TRANSACTIONS_EVENTS, () -> new com.codahale.metrics.Histogram(
                        new dev.eventpublisher.metrics.HdrHistogramReservoir(60)))) : null;
        this.flushWhenIdle = flushWhenIdle;
        this.flusher = transactional ? null
                : new ProducerFlusher(holder::producer, registry.counter(MetricNames.SENDER_PRODUCER_FLUSHES),
                        properties.getOrDefault(ProducerConfig.CLIENT_ID_CONFIG, "publisher") + "-flush");
        if (exactly) {
            registry.gauge(MetricNames.TRANSACTIONS_COMMITTED_POSITION, () -> span::committedPosition);
        }
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
        // Fills Kafka's batches under load; at low load the sender does not wait for it (ProducerFlusher).
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return p;
    }

    /**
     * How long an unused topic's state is kept: well inside the producer's {@code metadata.max.idle.ms} (default
     * 5 min), after which the producer drops the topic from its cache and {@code send()} would block to fetch it.
     */
    private static long forgetTopicsAfterNanos(Map<String, Object> properties) {
        Object configured = properties.get(ProducerConfig.METADATA_MAX_IDLE_CONFIG);
        long maxIdleMs = configured == null ? 300_000 : Long.parseLong(configured.toString().trim());
        return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(Math.min(60_000, maxIdleMs / 2));
    }

    /** The producer's {@code max.block.ms}: also how long events wait for a missing topic to appear. */
    private static long maxBlockNanos(Map<String, Object> properties) {
        Object configured = properties.get(ProducerConfig.MAX_BLOCK_MS_CONFIG);
        long ms = configured == null ? 60_000 : Long.parseLong(configured.toString().trim());
        return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(ms);
    }

    private static Map<String, Object> withByteSerializers(Map<String, Object> properties) {
        Map<String, Object> p = new HashMap<>(properties);
        // Serialisation happens on the caller's thread; the producer only ever sees bytes.
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return Map.copyOf(p);
    }

    /** Whether this sender writes each flush as one transaction. */
    boolean transactional() {
        return transactional;
    }

    boolean isClosing() {
        return closing;
    }

    @Override
    public void send(OutgoingBatch batch) {
        senderThread = Thread.currentThread();
        maintain();
        String topic = batch.topic();
        TopicMetadata.Topic known = metadata.use(topic, System.nanoTime());
        if (span != null) {
            known = awaitLookup(known);
            for (int i = 0, n = batch.size(); i < n; i++) {
                span.add(callbackFor(batch, i, known));
            }
            return;
        }
        if (transactional) {
            known = awaitLookup(known);
            List<RecordCallback> callbacks = new ArrayList<>(batch.size());
            for (int i = 0, n = batch.size(); i < n; i++) {
                callbacks.add(callbackFor(batch, i, known));
            }
            transactions.send(callbacks, topic);
            return;
        }
        switch (known.state) {
            case READY -> {
                for (int i = 0, n = batch.size(); i < n; i++) {
                    sendOrRoute(callbackFor(batch, i, known));
                }
            }
            case PENDING, PROBING -> {
                for (int i = 0, n = batch.size(); i < n; i++) {
                    if (metadata.waitingRecords() >= parkLimit) {
                        awaitParkingRoom();
                    }
                    dispatch(callbackFor(batch, i, null));
                }
            }
            case FAILED -> {
                for (int i = 0, n = batch.size(); i < n; i++) {
                    failedForGood(callbackFor(batch, i, null), known.failure);
                }
            }
        }
    }

    /** At-least-once: a record sent again goes the way a new one would: sent, parked on its topic, or failed. */
    private void dispatch(RecordCallback callback) {
        TopicMetadata.Topic known = metadata.use(callback.record.topic(), System.nanoTime());
        switch (known.state) {
            case READY -> sendOrRoute(callback);
            // Closing: nothing parks any more (close() has taken what was parked); the event stays journalled or fails.
            case PENDING, PROBING -> {
                if (closing) {
                    failedForGood(callback, closedBeforeMetadata(callback));
                } else {
                    metadata.park(known, callback);
                }
            }
            case FAILED -> failedForGood(callback, known.failure);
        }
    }

    /**
     * Sender thread: a topic's lookup (or its probe) answered. Failed: its parked records fail with its reason.
     * PROBING: the first is sent alone and the rest wait for Kafka's answer to it ({@link TopicMetadata}).
     * READY: they go, in the order they came.
     */
    private void settled(TopicMetadata.Topic topic) {
        if (topic.state == TopicMetadata.State.PROBING) {
            RecordCallback probe = withPartition(topic, metadata.unparkFirst(topic));
            String name = topic.name;
            probe.onAnswered = () -> metadata.probed(name);
            Exception failure = sendWithRetry(probe);
            if (failure != null) {
                metadata.probed(name);
                failedForGood(probe, failure);
            }
            return;
        }
        boolean ready = topic.state == TopicMetadata.State.READY;
        Exception failure = topic.failure;
        for (RecordCallback c : metadata.unpark(topic)) {
            if (ready) {
                sendOrRoute(withPartition(topic, c));
            } else {
                failedForGood(c, failure);
            }
        }
    }

    /** A parked record (sent without a partition) with the one chosen now that its topic's count is known. */
    private RecordCallback withPartition(TopicMetadata.Topic topic, RecordCallback c) {
        ProducerRecord<byte[], byte[]> r = c.record;
        Integer partition = chooser == null ? null : chooser.partition(topic, r.key(), r.value());
        return new RecordCallback(c.delivery, new ProducerRecord<>(r.topic(), partition, null, r.key(), r.value(),
                r.headers()), this, c.resends);
    }

    /**
     * Too many records parked (topics Kafka is slow to create, or Kafka unreachable): the sender waits, as
     * {@code send()} itself would, while lookups answer and parked records go or fail. So the ring behind it fills
     * and publishers meet the backpressure policy, instead of parked records growing without bound.
     */
    private void awaitParkingRoom() {
        while (metadata.waitingRecords() >= parkLimit && !closing) {
            metadata.settle(System.nanoTime(), this::settled);
            if (metadata.waitingRecords() >= parkLimit) {
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    /**
     * At most this many records wait for their topic's metadata before the sender thread waits too; the pipeline
     * sets it to its ring size (so parked records never hold more than the ring does). Before the sender starts.
     */
    public void parkAtMost(int records) {
        if (records < 1) {
            throw new IllegalArgumentException("invalid parkAtMost=" + records + ": must be at least 1");
        }
        this.parkLimit = records;
    }

    /**
     * Transactional modes: a transaction's batches are sent in order, so the sender waits for the topic's lookup
     * (bounded by {@code max.block.ms}, as {@code send()} itself would wait).
     */
    private TopicMetadata.Topic awaitLookup(TopicMetadata.Topic topic) {
        while (topic.state == TopicMetadata.State.PENDING && !closing) {
            metadata.settle(System.nanoTime(), this::settled);
            if (topic.state == TopicMetadata.State.PENDING) {
                LockSupport.parkNanos(1_000_000);
            }
        }
        return topic;
    }

    /** Exactly-once: the transaction holding everything sent so far commits, covering positions below {@code nextPosition}. */
    @Override
    public void commit(long nextPosition) {
        if (span != null) {
            senderThread = Thread.currentThread();
            maintain();
            span.commit(nextPosition);
        }
    }

    /**
     * Exactly-once start, before any event is sent (the journal's replay thread calls it): initialises the
     * transactional producer — fencing a zombie with the same {@code transactional.id} and settling its open
     * transaction — then reads the journal's committed position from the offsets topic (creating the topic if
     * absent). Retries with backoff while Kafka is unreachable.
     *
     * @return the first journal position no committed transaction covers (0 if none), or -1 if {@code stopped}
     */
    public long startExactlyOnce(java.util.function.BooleanSupplier stopped) {
        for (int attempt = 1; !stopped.getAsBoolean(); attempt++) {
            try {
                holder.initTransactions();
                long position = positions.read();
                span.start(position);
                LOG.info("exactly-once: transactional.id {} initialised; Kafka's committed journal position is {} ({})",
                        holder.transactionalId(), position, positions.topic());
                return position;
            } catch (KafkaException | IllegalStateException e) {
                long backoff = retry.backoffNanos(attempt);
                LOG.warn("exactly-once start: {}; trying again in {} ms", e.toString(), backoff / 1_000_000);
                long deadline = System.nanoTime() + backoff;
                while (!stopped.getAsBoolean() && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(Math.min(deadline - System.nanoTime(), 50_000_000L));
                }
            }
        }
        return -1;
    }

    private RecordCallback callbackFor(OutgoingBatch batch, int i, TopicMetadata.Topic known) {
        byte[] key = batch.key(i);
        byte[] value = batch.value(i);
        Integer partition = chooser == null ? null : chooser.partition(known, key, value);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(batch.topic(), partition, null, key, value, batch.headers(i));
        return new RecordCallback(batch.delivery(i), record, this, 0);
    }

    private void sendOrRoute(RecordCallback callback) {
        Exception failure = sendWithRetry(callback);
        if (failure != null) {
            failedForGood(callback, failure);
        }
    }

    /**
     * Hands one record to Kafka, retrying on the spot while {@code send()} refuses it with a retriable
     * error (and replacing the producer after a fatal one). Returns null once Kafka took it, else the error.
     */
    private Exception sendWithRetry(RecordCallback callback) {
        long firstTry = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            Exception failure = sendOnce(callback.record, callback);
            if (failure == null) {
                return null;
            }
            if (isFatal(failure) && !closing) {
                fatalCause = failure;
                replaceProducer();
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

    /** One {@code send()}; returns the error if Kafka refused the record on the spot. */
    Exception sendOnce(ProducerRecord<byte[], byte[]> record, org.apache.kafka.clients.producer.Callback callback) {
        sending = true;
        spotFailure = null;
        try {
            holder.producer().send(record, callback);
            unflushed = true;
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

    /**
     * Any thread: the record will not be stored by this try. A journalled event goes back to the queue of
     * re-sends unless the failure is its own (or, closing, stays in the journal); any other goes to the
     * dead-letter topic when that applies, else fails.
     */
    void failedForGood(RecordCallback callback, Exception failure) {
        Delivery delivery = callback.delivery;
        if (delivery.journalPosition() >= 0 && !isOwnFault(callback, failure)) {
            if (closing) {
                delivery.defer(failure);
            } else {
                delivery.retrying(failure);
                if (callback.resends == 0) {
                    LOG.debug("journalled event for {} failed ({}); sending it again", callback.record.topic(), failure.toString());
                }
                resends.add(callback, System.nanoTime() + retry.backoffNanos(callback.resends + 1));
            }
            return;
        }
        if (deadLetters != null && !closing && DeadLetterRoute.applies(failure) && !isFatal(failure)) {
            deadLetters.enqueue(callback, failure);
        } else {
            delivery.fail(failure);
        }
    }

    boolean isOwnFault(RecordCallback callback, Exception failure) {
        if (Failures.ownFault(failure)) {
            return !Failures.mayBeABatchmatesFault(failure, callback.failedInFlight, callback.resends);
        }
        // A non-retriable error Kafka does not blame on the event, over and over: treat it as the event's.
        return callback.resends >= MAX_RESENDS_FOR_UNCLASSIFIED && failure instanceof ApiException
                && !(failure instanceof RetriableException) && !(failure instanceof AuthenticationException)
                && !(failure instanceof TransactionAbortedException) && !isFatal(failure);
    }

    @Override
    public void idle() {
        if (flushWhenIdle) {
            flushHeld();
        }
    }

    @Override
    public void flushHeld() {
        if (unflushed && flusher != null) {
            unflushed = false;
            flusher.request();
        }
    }

    @Override
    public boolean needsMaintenance() {
        return fatal || metadata.hasAnswers() || (deadLetters != null && deadLetters.hasWork())
                || resends.hasWork(System.nanoTime());
    }

    /** Sender thread: replace a failed producer, send what waited for its topic's lookup, write pending dead letters, send due re-sends. */
    @Override
    public void maintain() {
        senderThread = Thread.currentThread();
        replaceProducerIfFatal();
        metadata.settle(System.nanoTime(), this::settled);
        if (deadLetters != null) {
            deadLetters.drain((record, callback) -> sendOnce(record, new SpotAware(callback)), closing);
        }
        long now = System.nanoTime();
        if (closing || !resends.hasWork(now)) {
            return;
        }
        List<RecordCallback> due = resends.takeDue(now);
        if (due.isEmpty()) {
            return;
        }
        resent.inc(due.size());
        List<RecordCallback> again = new ArrayList<>(due.size());
        for (RecordCallback c : due) {
            again.add(c.again());
        }
        if (transactional) {
            transactions.send(again, "re-sent events");
        } else {
            for (RecordCallback c : again) {
                dispatch(c);
            }
        }
    }

    /** Events parked on topics whose metadata Kafka has not given yet (approximate: the sender thread writes it). */
    public int waitingForMetadata() {
        return metadata.waitingRecords();
    }

    /** Journalled events waiting to be sent again. */
    public int resendBacklog() {
        return resends.size();
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

    /** Sender thread: if a fatal error was seen, replace the producer now. */
    void replaceProducerIfFatal() {
        if (fatal && !closing) {
            replaceProducer();
        }
    }

    private void replaceProducer() {
        fatal = false;
        holder.replace(fatalCause, () -> closing, this::pause, retry.maxBackoff().toNanos());
        metadata.producerReplaced();
    }

    /** A failure that leaves the producer unusable (or its transaction's outcome unknown): replace it before the next send. */
    void markFatal(Throwable cause) {
        fatalCause = cause;
        fatal = true;
    }

    /** Transactional mode: abort after a failure; a fatal failure (or a failed abort) marks the producer for replacement. */
    void abortQuietly(Exception failure) {
        if (isFatal(failure)) {
            fatalCause = failure;
            fatal = true;
            return;
        }
        try {
            holder.producer().abortTransaction();
        } catch (RuntimeException e) {
            fatalCause = e;
            fatal = true;
        }
    }

    boolean isFatal(Throwable e) {
        return Failures.isFatal(e, closing);
    }

    void countRetry() {
        retries.inc();
    }

    void pause(long nanos) {
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
        for (RecordCallback waiting : resends.takeAll()) {
            waiting.delivery.defer(new TransactionAbortedException("closed before it could be sent again"));
        }
        for (RecordCallback parked : metadata.takeAllWaiting()) {
            failedForGood(parked, closedBeforeMetadata(parked));
        }
        metadata.close();
        if (flusher != null) {
            flusher.stop();
        }
        holder.producer().close(timeout);
        if (flusher != null) {
            // A flush in progress ended when close() answered or failed its records.
            flusher.awaitStopped(Duration.ofSeconds(1));
        }
        if (span != null) {
            span.close(timeout);
        }
    }

    private static Exception closedBeforeMetadata(RecordCallback c) {
        return new org.apache.kafka.common.errors.TimeoutException("closed before Kafka had metadata for topic " + c.record.topic());
    }

    /** The current producer, e.g. to read its metrics; replaced after a fatal error. */
    public Producer<byte[], byte[]> producer() {
        return holder.producer();
    }
}
