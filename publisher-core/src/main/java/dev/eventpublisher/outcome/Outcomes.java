package dev.eventpublisher.outcome;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
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

    private final MetricRegistry registry;
    private final LongSupplier clock;
    private final Counter accepted;
    private final Counter acknowledged;
    private final Counter failed;
    private final Counter rejected;
    private final Counter dropped;
    private final Counter infrastructureFailures;
    private final Histogram latencyNanos;
    private final ConcurrentMap<String, Counter> failedByReason = new ConcurrentHashMap<>();
    private volatile boolean shutdownForced;

    public Outcomes(MetricRegistry registry, LongSupplier clock) {
        this.registry = registry;
        this.clock = clock;
        this.accepted = registry.counter(MetricNames.EVENTS_ACCEPTED);
        this.acknowledged = registry.counter(MetricNames.EVENTS_ACKNOWLEDGED);
        this.failed = registry.counter(MetricNames.EVENTS_FAILED);
        this.rejected = registry.counter(MetricNames.EVENTS_REJECTED);
        this.dropped = registry.counter(MetricNames.EVENTS_DROPPED);
        this.infrastructureFailures = registry.counter(MetricNames.EVENTS_FAILED_INFRASTRUCTURE);
        // Updated once per event on Kafka's I/O thread, so a histogram (a Dropwizard Timer would also
        // update a rate meter per event) over an HdrHistogram recorder: wait-free and allocation-free.
        this.latencyNanos = registry.histogram(MetricNames.EVENTS_LATENCY_NANOS,
                () -> new Histogram(new HdrHistogramReservoir(60)));
    }

    public void accepted() {
        accepted.inc();
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

    /** Counts one acknowledgement and its latency since {@code publishNanos}. */
    public void acknowledged(long publishNanos) {
        acknowledged.inc();
        latencyNanos.update(clock.getAsLong() - publishNanos);
    }

    /** Counts one failure under {@code reason}; {@code cause} (may be null) tells whether Kafka itself is unwell. */
    public void failed(String reason, Throwable cause) {
        if (cause instanceof RetriableException || cause instanceof AuthenticationException) {
            infrastructureFailures.inc();
        }
        failed.inc();
        failedByReason.computeIfAbsent(reason, r -> registry.counter(MetricNames.EVENTS_FAILED_PREFIX + r)).inc();
    }

    /**
     * Fails an event that never reached the sender (the batcher could not take it): through its future
     * when it has one (which counts it), else just counted.
     */
    public void failUnsent(Delivery future, String reason, Throwable cause) {
        if (future != null) {
            future.fail(reason, cause);
        } else {
            failed(reason, cause);
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
        if (cause instanceof KafkaException) {
            return KAFKA_PREFIX + cause.getClass().getSimpleName();
        }
        return KAFKA_PREFIX + (cause == null ? "unknown" : cause.getClass().getSimpleName());
    }

    /** Accepted events that have an outcome (acknowledged or failed). */
    public long resolved() {
        return acknowledged.getCount() + failed.getCount();
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
        return new OutcomeReport(accepted.getCount(), ack, byReason, rejected.getCount(), dropped.getCount());
    }
}
