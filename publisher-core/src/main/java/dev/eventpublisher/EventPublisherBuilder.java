package dev.eventpublisher;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.outcome.ByteBudget;
import dev.eventpublisher.journal.Journal;
import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.journal.ReplayListener;
import dev.eventpublisher.journal.JournalStorage;
import dev.eventpublisher.sender.BatchSender;
import dev.eventpublisher.sender.ExactlyOnceConfig;
import dev.eventpublisher.sender.KafkaBatchSender;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Configures and builds an {@link EventPublisher}. Every value is checked in {@link #build()}; a bad
 * one fails with an {@link IllegalArgumentException} naming the setting, the value and the rule.
 *
 * <p>Defaults are the seed's development profile (batch 50 events / 500 ms, max 200 pending), a 65,536-slot
 * ring, blocking waits, {@code BLOCK} backpressure with a 1 s timeout and end-of-batch flushing.
 */
public final class EventPublisherBuilder {
    public static final int DEFAULT_BATCH_SIZE = 50;
    public static final long DEFAULT_BATCH_TIMEOUT_MS = 500;
    public static final int DEFAULT_MAX_BATCH_SIZE = 200;
    public static final int DEFAULT_RING_SIZE = 65_536;
    public static final long DEFAULT_BLOCK_TIMEOUT_MS = 1_000;
    public static final long DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_CIRCUIT_STALL_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_CIRCUIT_OPEN_DURATION_MS = 5_000;
    /** The timer ticks ten times per (shortest) batch timeout, within these bounds. */
    static final long MIN_TICK_MS = 1;
    static final long MAX_TICK_MS = 100;

    private String name = "publisher";
    private String bootstrapServers;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Duration batchTimeout = Duration.ofMillis(DEFAULT_BATCH_TIMEOUT_MS);
    private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
    private int ringSize = DEFAULT_RING_SIZE;
    private WaitStrategyType waitStrategy = WaitStrategyType.PARKING;
    private Backpressure backpressure = Backpressure.BLOCK;
    private Duration blockTimeout = Duration.ofMillis(DEFAULT_BLOCK_TIMEOUT_MS);
    private EndOfBatchPolicy endOfBatchPolicy = EndOfBatchPolicy.FLUSH_ALL;
    private Duration tickInterval;
    private Duration closeTimeout = Duration.ofMillis(DEFAULT_CLOSE_TIMEOUT_MS);
    private final Map<String, Object> producerOverrides = new LinkedHashMap<>();
    private boolean flushWhenIdle = true;
    private final Map<String, TopicSettings> topics = new LinkedHashMap<>();
    private BatchSender batchSender;
    private MetricRegistry metricRegistry;
    private LongSupplier clock = System::nanoTime;
    private boolean circuitBreaker = true;
    private Duration circuitStallTimeout = Duration.ofMillis(DEFAULT_CIRCUIT_STALL_TIMEOUT_MS);
    private Duration circuitOpenDuration = Duration.ofMillis(DEFAULT_CIRCUIT_OPEN_DURATION_MS);
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private String deadLetterTopic;
    private JournalConfig journal;
    private JournalStorage journalStorage;
    private ReplayListener replayListener;
    private ExactlyOnceConfig exactlyOnce;
    /** 0: {@link ByteBudget#defaultMaxBytes()}. */
    private long maxBytes;

    EventPublisherBuilder() {
    }

    /** Names threads ({@code <name>-batcher}, ...) and the Kafka client id. Default {@code publisher}. */
    public EventPublisherBuilder name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /** Kafka's {@code bootstrap.servers}. Required unless a {@link #batchSender} is given. */
    public EventPublisherBuilder bootstrapServers(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        return this;
    }

    /** Flush a topic's group when it holds this many events. */
    public EventPublisherBuilder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
    }

    /** Flush a topic's group when its oldest event is this old. */
    public EventPublisherBuilder batchTimeout(Duration batchTimeout) {
        this.batchTimeout = batchTimeout;
        return this;
    }

    /** Never hold more than this many pending events across all topics. */
    public EventPublisherBuilder maxBatchSize(int maxBatchSize) {
        this.maxBatchSize = maxBatchSize;
        return this;
    }

    /** Ring buffer slots; a power of two. */
    /**
     * The byte budget: how many bytes of events (key, value, headers, plus {@value ByteBudget#EVENT_OVERHEAD} each)
     * the publisher holds in memory between acceptance and outcome — in the ring, the batcher, the sender and the
     * producer. Past it, publishing is refused like on a full ring ({@link PublishRejectedException.Reason#MEMORY_FULL};
     * {@code backpressure = BLOCK} waits up to the block timeout). 0 (the default): a quarter of the JVM's max heap.
     */
    public EventPublisherBuilder maxBytes(long maxBytes) {
        this.maxBytes = maxBytes;
        return this;
    }

    public EventPublisherBuilder ringSize(int ringSize) {
        this.ringSize = ringSize;
        return this;
    }

    public EventPublisherBuilder waitStrategy(WaitStrategyType waitStrategy) {
        this.waitStrategy = waitStrategy;
        return this;
    }

    public EventPublisherBuilder backpressure(Backpressure backpressure) {
        this.backpressure = backpressure;
        return this;
    }

    /** How long {@link Backpressure#BLOCK} waits for a free slot before refusing. */
    public EventPublisherBuilder blockTimeout(Duration blockTimeout) {
        this.blockTimeout = blockTimeout;
        return this;
    }

    public EventPublisherBuilder endOfBatchPolicy(EndOfBatchPolicy endOfBatchPolicy) {
        this.endOfBatchPolicy = endOfBatchPolicy;
        return this;
    }

    /**
     * Whether the sender has Kafka send what it holds as soon as the pipeline runs dry (default true). Then the
     * producer's {@code linger.ms} (default 5) fills Kafka's batches only while events keep coming, and a lone
     * event is not held for it. False: the producer lingers as configured, at every load.
     */
    public EventPublisherBuilder flushWhenIdle(boolean flushWhenIdle) {
        this.flushWhenIdle = flushWhenIdle;
        return this;
    }

    /** How often the timer looks for groups past their timeout; default a tenth of the shortest timeout. */
    public EventPublisherBuilder tickInterval(Duration tickInterval) {
        this.tickInterval = tickInterval;
        return this;
    }

    /** The deadline of {@link EventPublisher#close()}. */
    public EventPublisherBuilder closeTimeout(Duration closeTimeout) {
        this.closeTimeout = closeTimeout;
        return this;
    }

    /** Any Kafka producer property, over the publisher's defaults (security settings included). */
    public EventPublisherBuilder producerProperty(String key, Object value) {
        producerOverrides.put(Objects.requireNonNull(key, "producer property key"), value);
        return this;
    }

    public EventPublisherBuilder producerProperties(Map<String, ?> properties) {
        properties.forEach(this::producerProperty);
        return this;
    }

    /** Per-topic batch size and timeout; either may be null to inherit the default. */
    public EventPublisherBuilder topic(String topic, Integer batchSize, Duration batchTimeout) {
        topics.put(Objects.requireNonNull(topic, "topic"), new TopicSettings(batchSize, batchTimeout));
        return this;
    }

    /** Send batches here instead of Kafka (tests, benchmarks, dry runs). */
    public EventPublisherBuilder batchSender(BatchSender batchSender) {
        this.batchSender = batchSender;
        return this;
    }

    /** Register metrics here instead of in a new registry. */
    public EventPublisherBuilder metricRegistry(MetricRegistry metricRegistry) {
        this.metricRegistry = metricRegistry;
        return this;
    }

    /** The nanosecond clock for publish times, ticks and latency (tests use a manual one). */
    public EventPublisherBuilder clock(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Whether a circuit breaker refuses publishing while Kafka takes no events (default on): it opens when
     * events keep failing for infrastructure reasons, or stay in flight without any acknowledgement for
     * {@code stallTimeout}; after {@code openDuration} it lets traffic probe, and closes when Kafka answers.
     */
    public EventPublisherBuilder circuitBreaker(boolean enabled) {
        this.circuitBreaker = enabled;
        return this;
    }

    public EventPublisherBuilder circuitBreaker(Duration stallTimeout, Duration openDuration) {
        this.circuitBreaker = true;
        this.circuitStallTimeout = stallTimeout;
        this.circuitOpenDuration = openDuration;
        return this;
    }

    /** How records that Kafka's {@code send()} refuses with a retriable error are retried ({@link RetryPolicy#DEFAULT}). */
    public EventPublisherBuilder retryPolicy(RetryPolicy retryPolicy) {
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        return this;
    }

    /**
     * Events that fail for a reason of their own (too large, invalid or unauthorised topic) are written
     * to this topic, with headers naming their topic and the reason. Off by default; not used with
     * {@code transactional.id} (a failing event aborts its flush instead).
     */
    public EventPublisherBuilder deadLetterTopic(String topic) {
        this.deadLetterTopic = topic;
        return this;
    }

    /**
     * Journal every event to disk before accepting it (null: no journal, the default). Accepted events
     * then survive a crash of the process (and, with {@code fsync BATCH}, a power cut): the next publisher
     * on the same directory sends whatever Kafka had not acknowledged. An event is never given up for
     * Kafka's faults while the journal holds it; it is sent again. See {@link JournalConfig}.
     */
    public EventPublisherBuilder journal(JournalConfig journal) {
        this.journal = journal;
        return this;
    }

    /**
     * Exactly-once delivery (null, the default: at-least-once). Needs a {@link #journal}. Events are written in
     * Kafka transactions, each covering a range of journal positions and writing its end to a compacted offsets
     * topic in the same transaction; a publisher restarted on the journal fences the old producer and resends
     * exactly what no committed transaction covered. A {@code read_committed} consumer sees every accepted event
     * once. Events are acknowledged when their transaction commits (every {@link ExactlyOnceConfig#interval()}).
     * The producer's {@code transactional.id} is derived from the journal's id and must not be set. Every start
     * first reads Kafka's committed position (retrying while Kafka is unreachable): until then publishing is
     * refused with {@code REPLAYING} (or waits for it under {@code BLOCK}); {@code journal().isReplaying()} says when.
     */
    public EventPublisherBuilder exactlyOnce(ExactlyOnceConfig exactlyOnce) {
        this.exactlyOnce = exactlyOnce;
        return this;
    }

    /**
     * The files under the journal, instead of its directory on disk: tests put a fault-injecting model
     * here. {@link JournalConfig#dir()} then only names it in messages.
     */
    public EventPublisherBuilder journalStorage(JournalStorage storage) {
        this.journalStorage = storage;
        return this;
    }

    /**
     * Sees every event the journal replays at start (on the replay thread, before new events are
     * admitted): for state rebuilt from the backlog, such as an HTTP idempotency window.
     */
    public EventPublisherBuilder replayListener(ReplayListener listener) {
        this.replayListener = listener;
        return this;
    }

    /**
     * Checks every setting, then builds and starts the publisher: opens (and recovers) the journal, if
     * any, then the Kafka producer, then the pipeline; a journal backlog from an earlier run is being
     * replayed when this returns.
     *
     * @throws IllegalStateException if the journal cannot be opened (e.g. another publisher holds it)
     */
    public EventPublisher build() {
        PublisherSettings settings = settings();
        MetricRegistry registry = metricRegistry != null ? metricRegistry : new MetricRegistry();
        Journal opened = openJournal(settings, registry);
        if (opened != null && replayListener != null) {
            opened.replayListener(replayListener);
        }
        BatchSender created = null;
        try {
            created = batchSender != null ? null : kafkaSender(settings, registry, opened);
            return new EventPublisher(settings, batchSender != null ? batchSender : created, registry, clock, opened);
        } catch (RuntimeException | Error e) {
            if (created != null) {
                // Our producer and its flush thread must not outlive a publisher that never started.
                try {
                    created.close(Duration.ZERO);
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            if (opened != null) {
                opened.close();
            }
            throw e;
        }
    }

    private static BatchSender kafkaSender(PublisherSettings settings, MetricRegistry registry, Journal journal) {
        ExactlyOnceConfig eos = settings.exactlyOnce();
        if (eos == null) {
            return new KafkaBatchSender(settings.producerProperties(), settings.retry(), settings.deadLetterTopic(), registry,
                    null, null, settings.flushWhenIdle());
        }
        Map<String, Object> props = new LinkedHashMap<>(settings.producerProperties());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, eos.transactionalId(journal.id()));
        return new KafkaBatchSender(props, settings.retry(), settings.deadLetterTopic(), registry, eos, journal.id().toString());
    }

    private Journal openJournal(PublisherSettings settings, MetricRegistry registry) {
        if (settings.journal() == null) {
            return null;
        }
        try {
            return journalStorage != null
                    ? Journal.open(settings.journal(), journalStorage, registry, settings.name())
                    : Journal.open(settings.journal(), registry, settings.name());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot open the journal in " + settings.journal().dir() + ": " + e.getMessage(), e);
        }
    }

    /** Checks every setting and returns them, without starting anything. */
    public PublisherSettings settings() {
        if (name.isBlank()) {
            throw invalid("name", "'" + name + "'", "must not be blank");
        }
        positive("batchSize", batchSize);
        positive("maxBatchSize", maxBatchSize);
        if (batchSize > maxBatchSize) {
            throw invalid("batchSize", batchSize, "must be <= maxBatchSize (" + maxBatchSize + ")");
        }
        positive("batchTimeout", batchTimeout);
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw invalid("ringSize", ringSize, "must be a power of two >= 2 (e.g. 65536)");
        }
        if (maxBytes < 0) {
            throw invalid("maxBytes", maxBytes, "must be >= 0 (0 = a quarter of the JVM's max heap)");
        }
        Objects.requireNonNull(waitStrategy, "waitStrategy must not be null");
        Objects.requireNonNull(backpressure, "backpressure must not be null");
        Objects.requireNonNull(endOfBatchPolicy, "endOfBatchPolicy must not be null");
        notNegative("blockTimeout", blockTimeout);
        notNegative("closeTimeout", closeTimeout);
        positive("circuitStallTimeout", circuitStallTimeout);
        positive("circuitOpenDuration", circuitOpenDuration);
        if (retryPolicy.maxAttempts() < 1) {
            throw invalid("retryPolicy.maxAttempts", retryPolicy.maxAttempts(), "must be >= 1");
        }
        notNegative("retryPolicy.maxAge", retryPolicy.maxAge());
        notNegative("retryPolicy.initialBackoff", retryPolicy.initialBackoff());
        notNegative("retryPolicy.maxBackoff", retryPolicy.maxBackoff());
        if (deadLetterTopic != null) {
            Topics.validate(deadLetterTopic);
        }
        if (journal != null) {
            journal.validate();
        }
        Map<String, Object> producerProperties = producerProperties();
        if (exactlyOnce != null) {
            if (journal == null) {
                throw invalid("exactlyOnce", "on", "needs a journal (exactly-once resumes from the journal's committed position)");
            }
            if (producerProperties.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG) != null) {
                throw invalid("producer property transactional.id", producerProperties.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG),
                        "must not be set with exactly-once (it is derived from the journal's id)");
            }
            exactlyOnce.validate(producerProperties.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG));
        }
        Duration shortestTimeout = batchTimeout;
        for (Map.Entry<String, TopicSettings> e : topics.entrySet()) {
            String key = "topics." + e.getKey();
            Topics.validate(e.getKey());
            TopicSettings t = e.getValue();
            if (t.batchSize() != null) {
                positive(key + ".batchSize", t.batchSize());
                if (t.batchSize() > maxBatchSize) {
                    throw invalid(key + ".batchSize", t.batchSize(), "must be <= maxBatchSize (" + maxBatchSize + ")");
                }
            }
            if (t.batchTimeout() != null) {
                positive(key + ".batchTimeout", t.batchTimeout());
                shortestTimeout = t.batchTimeout().compareTo(shortestTimeout) < 0 ? t.batchTimeout() : shortestTimeout;
            }
        }
        Duration tick = tickInterval;
        if (tick == null) {
            long ms = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, shortestTimeout.toMillis() / 10));
            tick = Duration.ofMillis(ms);
        } else {
            positive("tickInterval", tick);
        }
        return new PublisherSettings(name, batchSize, batchTimeout, maxBatchSize, ringSize, waitStrategy,
                backpressure, blockTimeout, endOfBatchPolicy, tick, closeTimeout, producerProperties, flushWhenIdle, topics,
                circuitBreaker, circuitStallTimeout, circuitOpenDuration, retryPolicy, deadLetterTopic, journal, exactlyOnce,
                maxBytes == 0 ? ByteBudget.defaultMaxBytes() : maxBytes);
    }

    private Map<String, Object> producerProperties() {
        if (batchSender != null) {
            return Map.of();
        }
        Map<String, Object> props = new LinkedHashMap<>(KafkaBatchSender.defaultProducerProperties());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, name);
        props.putAll(producerOverrides);
        if (bootstrapServers != null) {
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        }
        Object servers = props.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        if (servers == null || servers.toString().isBlank()) {
            throw invalid("bootstrapServers", servers == null ? "null" : "'" + servers + "'",
                    "is required (host:port[,host:port...]) unless a batchSender is set");
        }
        for (Map.Entry<String, Object> e : props.entrySet()) {
            if (e.getValue() == null) {
                throw invalid("producer property " + e.getKey(), "null", "must have a value");
            }
        }
        return props;
    }

    private static void positive(String setting, int value) {
        if (value < 1) {
            throw invalid(setting, value, "must be >= 1");
        }
    }

    private static void positive(String setting, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw invalid(setting, value, "must be a positive duration");
        }
    }

    private static void notNegative(String setting, Duration value) {
        if (value == null || value.isNegative()) {
            throw invalid(setting, value, "must be zero or a positive duration");
        }
    }

    static IllegalArgumentException invalid(String setting, Object value, String rule) {
        return new IllegalArgumentException("invalid " + setting + "=" + value + ": " + rule);
    }
}
