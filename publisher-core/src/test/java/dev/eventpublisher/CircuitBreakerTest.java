package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.sender.BatchSender;
import dev.eventpublisher.sender.Delivery;
import dev.eventpublisher.sender.OutgoingBatch;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

/** The circuit breaker against a sender whose behaviour the test switches: stalled, failing, healthy. */
class CircuitBreakerTest {

    enum Mode { HOLD, ACK, FAIL_RETRIABLE, FAIL_BAD_EVENT }

    static final class SwitchableSender implements BatchSender {
        final AtomicReference<Mode> mode = new AtomicReference<>(Mode.ACK);
        final List<Delivery> held = new CopyOnWriteArrayList<>();

        @Override
        public void send(OutgoingBatch batch) {
            for (int i = 0; i < batch.size(); i++) {
                Delivery d = batch.delivery(i);
                switch (mode.get()) {
                    case HOLD -> held.add(d);
                    case ACK -> d.acknowledge(0, 0);
                    case FAIL_RETRIABLE -> d.fail(new NotEnoughReplicasException("not enough replicas"));
                    case FAIL_BAD_EVENT -> d.fail(new RecordTooLargeException("too large"));
                }
            }
        }

        void releaseHeld() {
            held.forEach(d -> d.acknowledge(0, 0));
            held.clear();
        }

        @Override
        public void close(Duration timeout) {
            releaseHeld();
        }
    }

    private static EventPublisher publisher(SwitchableSender sender, Backpressure policy) {
        return EventPublisher.builder().batchSender(sender)
                .backpressure(policy).blockTimeout(Duration.ofSeconds(20))
                .circuitBreaker(Duration.ofMillis(500), Duration.ofMillis(500))
                .build();
    }

    /** Publishes until the circuit refuses; returns the refusal. */
    private static PublishRejectedException publishUntilRefused(EventPublisher publisher) {
        AtomicReference<PublishRejectedException> refusal = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try {
                publisher.publish("t", "k", "v");
                return false;
            } catch (PublishRejectedException e) {
                refusal.set(e);
                return true;
            }
        });
        return refusal.get();
    }

    @Test
    void shouldOpenWhenKafkaStallsRefuseAtOnceThenProbeAndClose() {
        SwitchableSender sender = new SwitchableSender();
        try (EventPublisher publisher = publisher(sender, Backpressure.REJECT)) {
            publisher.publish("t", "k", "healthy");
            assertThat(publisher.circuitState()).isEqualTo(CircuitState.CLOSED);

            sender.mode.set(Mode.HOLD);
            PublishRejectedException refusal = publishUntilRefused(publisher);

            assertThat(refusal.reason()).isEqualTo(PublishRejectedException.Reason.CIRCUIT_OPEN);
            assertThat(refusal.getMessage()).contains("Kafka is not taking events").contains("nothing acknowledged");
            assertThat(publisher.circuitState()).isEqualTo(CircuitState.OPEN);
            assertThat(publisher.tryPublish("t", null, new byte[1])).isFalse();
            assertThat(publisher.metrics().counter(MetricNames.CIRCUIT_OPENED).getCount()).isEqualTo(1);

            sender.mode.set(Mode.ACK);
            sender.releaseHeld();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try {
                    publisher.publish("t", "k", "probe"); // half-open lets traffic through; acks close it
                } catch (PublishRejectedException stillOpen) {
                    // not probing yet
                }
                return publisher.circuitState() == CircuitState.CLOSED;
            });
            publisher.publish("t", "k", "after");
        }
    }

    @Test
    void shouldOpenOnRetriableFailuresButNotOnBadEvents() {
        SwitchableSender sender = new SwitchableSender();
        try (EventPublisher publisher = publisher(sender, Backpressure.REJECT)) {
            sender.mode.set(Mode.FAIL_BAD_EVENT);
            for (int i = 0; i < 50; i++) {
                publisher.publish("t", "k", "bad-" + i);
                publisher.forceFlush().join();
            }
            // Two seconds of looks at failing bad events: the circuit stays closed.
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < until) {
                publisher.publish("t", "k", "bad");
                assertThat(publisher.circuitState()).isEqualTo(CircuitState.CLOSED);
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
            assertThat(publisher.outcomes().failedByReason()).containsKey("kafka:RecordTooLargeException");

            sender.mode.set(Mode.FAIL_RETRIABLE);
            PublishRejectedException refusal = publishUntilRefused(publisher);
            assertThat(refusal.reason()).isEqualTo(PublishRejectedException.Reason.CIRCUIT_OPEN);
            assertThat(refusal.getMessage()).contains("infrastructure errors");
            assertThat(publisher.metrics().counter(MetricNames.EVENTS_FAILED_INFRASTRUCTURE).getCount()).isPositive();
        }
    }

    @Test
    void shouldMakeBlockingPublishersWaitForTheCircuitInsteadOfRefusing() throws Exception {
        SwitchableSender sender = new SwitchableSender();
        try (EventPublisher publisher = publisher(sender, Backpressure.BLOCK)) {
            sender.mode.set(Mode.HOLD);
            publisher.publish("t", "k", "stuck");
            await().atMost(Duration.ofSeconds(20)).until(() -> publisher.circuitState() == CircuitState.OPEN);

            var blocked = java.util.concurrent.CompletableFuture.supplyAsync(() -> publisher.publish("t", "k", "waits"));
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
            assertThat(blocked).as("a BLOCK publisher waits while the circuit is open").isNotDone();

            sender.mode.set(Mode.ACK);
            sender.releaseHeld();
            assertThat(blocked.get(20, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
            assertThat(publisher.outcomes().rejected()).isZero();
        }
    }

    @Test
    void shouldRunWithoutACircuitWhenDisabled() {
        SwitchableSender sender = new SwitchableSender();
        try (EventPublisher publisher = EventPublisher.builder().batchSender(sender).circuitBreaker(false).build()) {
            assertThat(publisher.circuitState()).isEqualTo(CircuitState.DISABLED);
            sender.mode.set(Mode.FAIL_RETRIABLE);
            for (int i = 0; i < 100; i++) {
                publisher.publish("t", "k", "v" + i);
            }
            publisher.forceFlush().join();
            assertThat(publisher.outcomes().failed()).isEqualTo(100);
        }
    }
}
