package dev.eventpublisher.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.CircuitState;
import org.junit.jupiter.api.Test;

/** The stall rule on a manual clock: the stall timer runs only while events wait for Kafka. */
class DeliveryCircuitTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void shouldNotCountAnIdleSpellAsAStallButStillOpenOnARealOne() {
        MetricRegistry registry = new MetricRegistry();
        Outcomes outcomes = new Outcomes(registry, System::nanoTime);
        AtomicLong inFlight = new AtomicLong();
        DeliveryCircuit circuit = new DeliveryCircuit("test", outcomes, inFlight::get, Duration.ofSeconds(10),
                Duration.ofSeconds(5), registry, 0);
        long now = 0;
        for (; now < 60 * SECOND; now += SECOND / 5) {
            circuit.check(now); // a minute with nothing to send
        }
        inFlight.set(100); // traffic arrives; Kafka is merely slow for 2 s
        for (long end = now + 2 * SECOND; now < end; now += SECOND / 5) {
            circuit.check(now);
        }
        assertThat(circuit.state()).as("2 s of waiting after an idle minute is no stall").isEqualTo(CircuitState.CLOSED);

        for (long end = now + 12 * SECOND; now < end; now += SECOND / 5) {
            circuit.check(now); // still nothing acknowledged: a real stall
        }
        assertThat(circuit.state()).isEqualTo(CircuitState.OPEN);
    }
}
