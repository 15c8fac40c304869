package dev.eventpublisher.outcome;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Histogram;
import dev.eventpublisher.OutcomeReport;
import dev.eventpublisher.metrics.HdrHistogramReservoir;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.sender.Delivery;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The ledger of event outcomes: counts what was accepted, acknowledged, failed (by reason), rejected
 * and dropped, and times publish → acknowledgement.
 *
 * <p>Thread-safe and allocation-free on the success path: publishing threads count acceptances, the
 * Kafka I/O thread counts acknowledgements (Dropwizard counters are striped {@code LongAdder}s).
 */
public final class Outcomes {
    /** Reason: the close deadline passed before Kafka answered. */
    public static final String SHUTDOWN = "shutdown";
    /** Reason: Kafka's delivery timeout (or max.block.ms) elapsed. */
    public static final String EXPIRED = "expired";
    /** Reason: a bug in the pipeline itself; also counted in the loops' error counters. */
    public static final String INTERNAL = "internal";
    /** Reason: stored in the dead-letter topic instead of its own. */
    public static final String DEAD_LETTER = "dead_letter";
    /** Prefix of reasons reported by the sender: {@code kafka:<ErrorName>}. */
    public static final String KAFKA_PREFIX = "kafka:";
    /**
     * Not a failure: the publisher closed before Kafka acknowledged a journalled event, which stays in
     * the journal and is sent by the next start. The future fails with this reason; the count is apart.
     */
    public static final String DEFERRED = "deferred";

    private final MetricRegistry registry;
    private final LongSupplier clock;
    private final Counter accepted;
    private final Counter acknowledged;
    private final Counter failed;
    private final Counter rejected;
    private final Counter dropped;
    private final Counter infrastructureFailures;
    private final Counter replayed;
    private final Counter deferred;
    private final Histogram latencyNanos;
    /** Told each journal position that is done (acknowledged, or failed for good); null without a journal. */
    private volatile LongConsumer journalDone;
    private final ConcurrentMap<String, Counter> failedByReason = new ConcurrentHashMap<>();
    private volatile boolean shutdownForced;
    private final ByteBudget budget;

    /** Outcomes with no byte budget (tests, tools). */
    public Outcomes(MetricRegistry registry, LongSupplier clock) {
        this(registry, clock, new ByteBudget(Long.MAX_VALUE));
    }

    /** @param budget the bytes of events held in memory: taken when an event enters the ring, given back at its outcome */
    public Outcomes(MetricRegistry registry, LongSupplier clock, ByteBudget budget) {
        this.registry = registry;
        this.clock = clock;
        this.budget = budget;
        registry.gauge(MetricNames.EVENTS_HELD_BYTES, () -> budget::used);
        this.accepted = registry.counter(MetricNames.EVENTS_ACCEPTED);
        this.acknowledged = registry.counter(MetricNames.EVENTS_ACKNOWLEDGED);
        this.failed = registry.counter(MetricNames.EVENTS_FAILED);
        this.rejected = registry.counter(MetricNames.EVENTS_REJECTED);
        this.dropped = registry.counter(MetricNames.EVENTS_DROPPED);
        this.infrastructureFailures = registry.counter(MetricNames.EVENTS_FAILED_INFRASTRUCTURE);
        this.replayed = registry.counter(MetricNames.EVENTS_REPLAYED);
        this.deferred = registry.counter(MetricNames.EVENTS_DEFERRED);
        // Updated once per event on Kafka's I/O thread, so a histogram (a Dropwizard Timer would also
        // update a rate meter per event) over an HdrHistogram recorder: wait-free and allocation-free.
        this.latencyNanos = registry.histogram(MetricNames.EVENTS_LATENCY_NANOS,
                () -> new Histogram(new HdrHistogramReservoir(60)));
    }

    /** The bytes of events held in memory, between their entry into the ring and their outcome. */
    public ByteBudget budget() {
        return budget;
    }

    /** Connects the journal: every journalled event that reaches an outcome is released from it. */
    public void journal(LongConsumer done) {
        this.journalDone = done;
    }

    public void accepted() {
        accepted.inc();
    }

    /** Events read back from the journal after a restart and handed to the pipeline again. */
    public void replayed(int n) {
        replayed.inc(n);
    }

    /** A journalled event left without an acknowledgement at close; the journal keeps it. */
    public void deferred() {
        deferred.inc();
    }

    public void accepted(int n) {
        accepted.inc(n);
    }

    public void rejected() {
        rejected.inc();
    }

    public void rejected(int n) {
        rejected.inc(n);
    }

    public void dropped() {
        dropped.inc();
    }

    public void dropped(int n) {
        dropped.inc(n);
    }

    /** Counts one acknowledgement and its latency since {@code publishNanos}; releases the journal position (if >= 0). */
    public void acknowledged(long publishNanos, long journalPosition) {
        acknowledged.inc();
        latencyNanos.update(clock.getAsLong() - publishNanos);
        release(journalPosition);
    }

    /**
     * Counts one failure under {@code reason}; {@code cause} (may be null) tells whether Kafka itself is
     * unwell. The event is done: its journal position (if >= 0) is released.
     */
    public void failed(String reason, Throwable cause, long journalPosition) {
        if (cause instanceof RetriableException || cause instanceof AuthenticationException) {
            infrastructureFailures.inc();
        }
        failed.inc();
        failedByReason.computeIfAbsent(reason, r -> registry.counter(MetricNames.EVENTS_FAILED_PREFIX + r)).inc();
        release(journalPosition);
    }

    public void failed(String reason, Throwable cause) {
        failed(reason, cause, -1);
    }

    private void release(long journalPosition) {
        if (journalPosition >= 0) {
            LongConsumer done = journalDone;
            if (done != null) {
                done.accept(journalPosition);
            }
        }
    }

    /**
     * Fails an event that never reached the sender (the batcher could not take it): through its future
     * when it has one (which counts it and gives its bytes back), else counted here ({@code bytes}: what the
     * event took from the {@link #budget}).
     */
    public void failUnsent(Delivery future, String reason, Throwable cause, long bytes) {
        if (future != null) {
            future.fail(reason, cause);
        } else {
            failed(reason, cause);
            budget.giveBack(bytes);
        }
    }

    /** From now on every failure is a {@code shutdown}: the close deadline passed and Kafka is being cut off. */
    public void forceShutdown() {
        shutdownForced = true;
    }

    /** The reason a sender-reported exception counts under. */
    public String reasonFor(Throwable cause) {
        if (shutdownForced) {
            return SHUTDOWN;
        }
        if (cause instanceof TimeoutException) {
            return EXPIRED;
        }
        // Topic-level refusals carry Kafka's error names (kafka:UNKNOWN_TOPIC_OR_PARTITION,
        // kafka:TOPIC_AUTHORIZATION_FAILED): they say what to fix in Kafka, not which client class noticed it.
        if (cause instanceof NamedReason named) {
            return KAFKA_PREFIX + named.errorName();
        }
        if (cause instanceof TopicAuthorizationException) {
            return KAFKA_PREFIX + Errors.TOPIC_AUTHORIZATION_FAILED.name();
        }
        if (cause instanceof KafkaException) {
            return KAFKA_PREFIX + cause.getClass().getSimpleName();
        }
        return KAFKA_PREFIX + (cause == null ? "unknown" : cause.getClass().getSimpleName());
    }

    /** Accepted (or replayed) events that have an outcome (acknowledged, failed or deferred). */
    public long resolved() {
        return acknowledged.getCount() + failed.getCount() + deferred.getCount();
    }

    public long acknowledgedCount() {
        return acknowledged.getCount();
    }

    /** Failures caused by Kafka being unwell rather than by the event. */
    public long infrastructureFailures() {
        return infrastructureFailures.getCount();
    }

    public long acceptedCount() {
        return accepted.getCount();
    }

    public OutcomeReport report() {
        // Read outcomes before acceptances so a concurrent snapshot never shows more outcomes than events.
        long ack = acknowledged.getCount();
        Map<String, Long> byReason = new HashMap<>();
        failedByReason.forEach((reason, counter) -> byReason.put(reason, counter.getCount()));
        long deferredCount = deferred.getCount();
        return new OutcomeReport(accepted.getCount(), replayed.getCount(), ack, byReason, deferredCount,
                rejected.getCount(), dropped.getCount());
    }
}
