package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Overload against a real broker: 8 threads publish 10× the ring size as fast as they can. Under every
 * policy, accepted + refused = attempted exactly, every accepted event is in Kafka exactly once, and
 * nothing is dropped without the caller being told.
 */
@ExtendWith(SharedKafkaBroker.class)
class OverloadKafkaIT {
    private static final int RING_SIZE = 1024;
    private static final int THREADS = 8;
    private static final int ATTEMPTS = 10 * RING_SIZE * THREADS;

    @ParameterizedTest
    @EnumSource(Backpressure.class)
    void shouldAccountForEveryAttemptAndDeliverEveryAcceptedEvent(Backpressure policy) throws Exception {
        String topic = "overload-" + policy.name().toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8);
        SharedKafkaBroker.broker().createTopic(topic, 3);
        EventPublisher publisher = EventPublisher.builder()
                .bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .ringSize(RING_SIZE).batchSize(64).maxBatchSize(64)
                .backpressure(policy).blockTimeout(Duration.ofSeconds(60))
                .build();
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicLong refused = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < ATTEMPTS / THREADS; i++) {
                    String value = "t" + thread + "-" + i;
                    try {
                        publisher.publish(topic, ("k" + thread).getBytes(StandardCharsets.UTF_8),
                                value.getBytes(StandardCharsets.UTF_8));
                        accepted.add(value);
                    } catch (PublishRejectedException e) {
                        refused.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();

        OutcomeReport report = publisher.close(Duration.ofSeconds(60));

        assertThat(accepted.size() + refused.get()).isEqualTo(ATTEMPTS);
        assertThat(report.accepted()).isEqualTo(accepted.size());
        assertThat(report.rejected() + report.dropped()).isEqualTo(refused.get());
        assertThat(report.acknowledged()).isEqualTo(accepted.size());
        assertThat(report.unresolved()).isZero();
        if (policy == Backpressure.BLOCK) {
            assertThat(refused.get()).as("BLOCK with a long timeout waits instead of refusing").isZero();
        }
        List<String> landed = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        assertThat(landed).hasSize(accepted.size()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(accepted);
    }
}
