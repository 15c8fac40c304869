package dev.eventpublisher.outcome;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.CircuitState;
import dev.eventpublisher.metrics.MetricNames;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices when Kafka stops taking events, and tells publishers so (a resilience4j circuit breaker).
 *
 * <p>Every {@link #CHECK_PERIOD} the timer thread looks at what happened since the last look and
 * records one call in the breaker:
 * <ul>
 *   <li>a failure when events failed for infrastructure reasons (retriable Kafka errors, expired
 *       deliveries, authentication) and none was acknowledged, or when events are in flight but nothing
 *       was acknowledged for {@code stallTimeout} (a broker that is down makes records wait, not fail);</li>
 *   <li>a success when events were acknowledged;</li>
 *   <li>nothing when the publisher is idle.</li>
 * </ul>
 * Half of the last ten looks failing (at least five looked at) opens the circuit: publishers are refused
 * at once with reason {@code CIRCUIT_OPEN} (or, under {@code BLOCK}, wait for it up to their block
 * timeout). After {@code openDuration} it goes half-open — publishing resumes as a probe — and three
 * healthy looks close it, three unhealthy ones open it again. A bad event (too large, invalid topic)
 * never opens it: those are the event's fault, not Kafka's.
 *
 * <p>Thread-safe: {@link #check} runs on the timer thread; {@link #isOpen} is a volatile read.
 */
public final class DeliveryCircuit {
    /** How often the health is looked at: one breaker call per look. */
    public static final Duration CHECK_PERIOD = Duration.ofMillis(200);
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryCircuit.class);


    private final CircuitBreaker breaker;
    private final Outcomes outcomes;
    private final LongSupplier inFlight;
    private final long stallNanos;
    private final Counter opened;
    /** Owned by the timer thread. */
    private long lastAcknowledged;
    private long lastInfrastructureFailures;
    private long lastProgressNanos;
    private volatile CircuitState state = CircuitState.CLOSED;
    private volatile String reason = "";

    public DeliveryCircuit(String name, Outcomes outcomes, LongSupplier inFlight, Duration stallTimeout,
                           Duration openDuration, MetricRegistry registry, long nowNanos) {
        this.outcomes = outcomes;
        this.inFlight = inFlight;
        this.stallNanos = stallTimeout.toNanos();
        this.lastProgressNanos = nowNanos;
        this.breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .permittedNumberOfCallsInHalfOpenState(3)
                .waitDurationInOpenState(openDuration)
                .automaticTransitionFromOpenToHalfOpenEnabled(false) // check() moves it; no extra thread
                .build());
        this.opened = registry.counter(MetricNames.CIRCUIT_OPENED);
        // 0 closed, 1 open, 2 half-open
        registry.gauge(MetricNames.CIRCUIT_STATE, () -> () -> state.ordinal());
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitState next = switch (event.getStateTransition().getToState()) {
                case OPEN, FORCED_OPEN -> CircuitState.OPEN;
                case HALF_OPEN -> CircuitState.HALF_OPEN;
                default -> CircuitState.CLOSED;
            };
            if (next == CircuitState.OPEN) {
                opened.inc();
                LOG.warn("circuit OPEN: Kafka is not taking events ({}); publishing is refused until it recovers", reason);
            } else if (next == CircuitState.HALF_OPEN) {
                LOG.info("circuit HALF_OPEN: probing Kafka with live traffic");
            } else {
                LOG.info("circuit CLOSED: Kafka takes events again");
            }
            state = next;
        });
    }

    /** One look (timer thread). */
    public void check(long nowNanos) {
        long acknowledged = outcomes.acknowledgedCount();
        long infrastructure = outcomes.infrastructureFailures();
        long newAcks = acknowledged - lastAcknowledged;
        long newFailures = infrastructure - lastInfrastructureFailures;
        lastAcknowledged = acknowledged;
        lastInfrastructureFailures = infrastructure;
        long pending = inFlight.getAsLong();
        if (newAcks > 0 || pending == 0) {
            // Nothing waiting is not a stall: the stall clock starts when events wait, not at the last ack
            // (an idle spell longer than stallTimeout would otherwise open the circuit on the next event).
            lastProgressNanos = nowNanos;
        }
        if (breaker.getState() == CircuitBreaker.State.OPEN) {
            // Moves to HALF_OPEN once the open duration has passed.
            breaker.tryAcquirePermission();
        }
        long periodMs = CHECK_PERIOD.toMillis();
        if (newFailures > 0 && newAcks == 0) {
            reason = newFailures + " event(s) failed with infrastructure errors, none acknowledged";
            onError();
        } else if (pending > 0 && newAcks == 0 && nowNanos - lastProgressNanos > stallNanos) {
            reason = pending + " event(s) in flight and nothing acknowledged for "
                    + TimeUnit.NANOSECONDS.toSeconds(nowNanos - lastProgressNanos) + " s";
            onError();
        } else if (newAcks > 0) {
            record(() -> breaker.onSuccess(periodMs, TimeUnit.MILLISECONDS));
        }
    }

    private void onError() {
        record(() -> breaker.onError(CHECK_PERIOD.toMillis(), TimeUnit.MILLISECONDS, new KafkaUnavailable(reason)));
    }

    private void record(Runnable call) {
        if (breaker.getState() == CircuitBreaker.State.OPEN) {
            return; // an open breaker takes no calls; the wait decides when to probe
        }
        try {
            call.run();
        } catch (CallNotPermittedException ignored) {
            // half-open with its probes used up: the pending decision comes with the next look
        }
    }

    public boolean isOpen() {
        return state == CircuitState.OPEN;
    }

    public CircuitState state() {
        return state;
    }

    /** Why it last opened, for messages. */
    public String reason() {
        return reason;
    }

    /** The breaker's own error, recorded with each failed look. */
    static final class KafkaUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        KafkaUnavailable(String message) {
            super(message, null, false, false);
        }
    }
}
