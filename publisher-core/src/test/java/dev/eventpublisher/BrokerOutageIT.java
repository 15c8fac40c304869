package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.eventpublisher.kafka.embedded.EmbeddedKafkaBroker;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The broker stops for 20 s in the middle of a stream and comes back, while 4 threads keep publishing.
 * The circuit opens and closes again; with BLOCK every attempted event is accepted and lands exactly
 * once; with REJECT accepted + refused = attempted and every accepted event lands exactly once; each
 * key's events stay in publish order.
 */
class BrokerOutageIT {
    private static final int THREADS = 4;
    private static final long EVENTS_PER_SECOND_PER_THREAD = 500;

    @ParameterizedTest
    @EnumSource(value = Backpressure.class, names = {"BLOCK", "REJECT"})
    void shouldKeepEveryAcceptedEventThroughABrokerOutage(Backpressure policy) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            String topic = "outage-" + policy.name().toLowerCase();
            broker.createTopic(topic, 3);
            EventPublisher publisher = EventPublisher.builder()
                    .bootstrapServers(broker.bootstrapServers())
                    .backpressure(policy).blockTimeout(Duration.ofSeconds(60))
                    .circuitBreaker(Duration.ofSeconds(2), Duration.ofSeconds(2))
                    // Fast reconnects; deliveries wait out the outage (delivery timeout 2 min by default).
                    .producerProperty("reconnect.backoff.max.ms", "500")
                    .build();
            Set<String> accepted = ConcurrentHashMap.newKeySet();
            AtomicLong refused = new AtomicLong();
            Map<String, String> failures = new ConcurrentHashMap<>();
            AtomicLong attempted = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> loops = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                loops.add(pool.submit(() -> {
                    long interval = TimeUnit.SECONDS.toNanos(1) / EVENTS_PER_SECOND_PER_THREAD;
                    long next = System.nanoTime();
                    for (int i = 0; !stop.get(); i++) {
                        String key = "t" + thread + "-k" + (i % 8);
                        String value = key + "-" + i;
                        attempted.incrementAndGet();
                        try {
                            publisher.publish(topic, key, value).whenComplete((r, e) -> {
                                if (e != null) {
                                    failures.put(value, String.valueOf(e.getCause()));
                                }
                            });
                            accepted.add(value);
                        } catch (PublishRejectedException e) {
                            refused.incrementAndGet();
                        }
                        next += interval;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                    return null;
                }));
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> publisher.outcomes().acknowledged() > 2_000);
            broker.stop();
            long down = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).until(() -> publisher.circuitState() == CircuitState.OPEN);
            long remaining = Duration.ofSeconds(20).toNanos() - (System.nanoTime() - down);
            if (remaining > 0) {
                LockSupport.parkNanos(remaining);
            }
            broker.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.circuitState() == CircuitState.CLOSED);
            long ackedAfterRecovery = publisher.outcomes().acknowledged();
            await().atMost(Duration.ofSeconds(30)).until(() -> publisher.outcomes().acknowledged() > ackedAfterRecovery + 2_000);
            stop.set(true);
            for (Future<?> loop : loops) {
                loop.get(90, TimeUnit.SECONDS);
            }
            pool.shutdown();
            OutcomeReport report = publisher.close(Duration.ofSeconds(60));

            assertThat(publisher.metrics().counter(MetricNames.CIRCUIT_OPENED).getCount()).isPositive();
            assertThat(accepted.size() + refused.get()).isEqualTo(attempted.get());
            assertThat(report.accepted()).isEqualTo(accepted.size());
            assertThat(report.acknowledged()).as(report + " " + failures).isEqualTo(accepted.size());
            if (policy == Backpressure.BLOCK) {
                assertThat(refused.get()).as("BLOCK waits out the outage").isZero();
            } else {
                assertThat(refused.get()).as("REJECT refuses while the circuit is open").isPositive();
            }

            List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(broker.bootstrapServers(), topic);
            Set<String> seen = new java.util.HashSet<>();
            Map<String, Integer> lastByKey = new HashMap<>();
            records.sort((a, b) -> a.partition() != b.partition() ? a.partition() - b.partition() : Long.compare(a.offset(), b.offset()));
            for (ConsumerRecord<byte[], byte[]> r : records) {
                String value = new String(r.value(), StandardCharsets.UTF_8);
                assertThat(seen.add(value)).as("duplicate %s", value).isTrue();
                String key = new String(r.key(), StandardCharsets.UTF_8);
                int seq = Integer.parseInt(value.substring(value.lastIndexOf('-') + 1));
                Integer previous = lastByKey.put(key, seq);
                assertThat(previous == null ? -1 : previous).as("order of %s", key).isLessThan(seq);
            }
            assertThat(seen).isEqualTo(accepted);
        }
    }
}
