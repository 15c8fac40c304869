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
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.eventpublisher.sender.BatchSender;
import dev.eventpublisher.sender.KafkaBatchSender;
import dev.eventpublisher.sender.OutgoingBatch;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A stalled sender in front of a real broker fills the ring; each backpressure policy then refuses
 * exactly as promised, and once the sender moves again every accepted event lands.
 */
@ExtendWith(SharedKafkaBroker.class)
class BackpressureKafkaIT {
    private static final int RING_SIZE = 64;
    private static final int MAX_BATCH = 8;

    /** A real Kafka sender behind a gate that stays shut until the test opens it. */
    static final class GatedSender implements BatchSender {
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);
        final KafkaBatchSender kafka;

        GatedSender(KafkaBatchSender kafka) {
            this.kafka = kafka;
        }

        @Override
        public void send(OutgoingBatch batch) {
            entered.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            kafka.send(batch);
        }

        @Override
        public boolean needsMaintenance() {
            return kafka.needsMaintenance();
        }

        @Override
        public void maintain() {
            kafka.maintain();
        }

        @Override
        public void idle() {
            kafka.idle();
        }

        @Override
        public void flushHeld() {
            kafka.flushHeld();
        }

        @Override
        public void close(Duration timeout) {
            gate.countDown();
            kafka.close(timeout);
        }
    }

    private static GatedSender gatedKafkaSender() {
        Map<String, Object> props = new HashMap<>(KafkaBatchSender.defaultProducerProperties());
        props.put("bootstrap.servers", SharedKafkaBroker.bootstrapServers());
        return new GatedSender(new KafkaBatchSender(props));
    }

    private static EventPublisher publisher(GatedSender sender, Backpressure policy, Duration blockTimeout) {
        return EventPublisher.builder()
                .batchSender(sender)
                .ringSize(RING_SIZE).batchSize(MAX_BATCH).maxBatchSize(MAX_BATCH)
                .backpressure(policy).blockTimeout(blockTimeout)
                .build();
    }

    @ParameterizedTest
    @EnumSource(value = Backpressure.class, names = {"REJECT", "DROP"})
    void shouldRefuseAtOnceWhenTheRingIsFullAndDeliverEveryAcceptedEvent(Backpressure policy) throws Exception {
        String topic = "bp-" + policy.name().toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8);
        SharedKafkaBroker.broker().createTopic(topic, 3);
        GatedSender sender = gatedKafkaSender();
        EventPublisher publisher = publisher(sender, policy, Duration.ZERO);
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Map<PublishRejectedException.Reason, AtomicLong> refusals = new ConcurrentHashMap<>();
        int threads = 4;
        int perThread = 2_000;

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    String value = "t" + thread + "-" + i;
                    try {
                        publisher.publish(topic, null, value.getBytes(StandardCharsets.UTF_8));
                        accepted.add(value);
                    } catch (PublishRejectedException e) {
                        refusals.computeIfAbsent(e.reason(), r -> new AtomicLong()).incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        sender.entered.await(10, TimeUnit.SECONDS);
        // The batcher may still take a few events after the publishers stopped (it parks up to 4 ms
        // between looks): top the ring up until non-blocking publishes have been refused for 300 ms.
        AtomicLong fillers = new AtomicLong();
        AtomicLong fillerRefusals = new AtomicLong();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> {
            String value = "filler-" + fillers.get();
            if (publisher.tryPublish(topic, null, value.getBytes(StandardCharsets.UTF_8))) {
                accepted.add(value);
                fillers.incrementAndGet();
                return false;
            }
            fillerRefusals.incrementAndGet();
            return true;
        });

        PublishRejectedException.Reason expected = policy == Backpressure.DROP
                ? PublishRejectedException.Reason.DROPPED : PublishRejectedException.Reason.RING_FULL;
        assertThat(refusals.keySet()).containsExactly(expected);
        long refused = refusals.get(expected).get();
        assertThat(accepted.size() - fillers.get() + refused).isEqualTo((long) threads * perThread);
        assertThat(refused).as("a stalled sender must make the ring refuse").isGreaterThan(0);
        OutcomeReport during = publisher.outcomes();
        assertThat(during.accepted()).isEqualTo(accepted.size());
        // + the non-blocking publishes refused above, under the same policy
        if (policy == Backpressure.DROP) {
            assertThat(during.dropped()).isEqualTo(refused + fillerRefusals.get());
            assertThat(during.rejected()).isZero();
        } else {
            assertThat(during.rejected()).isEqualTo(refused + fillerRefusals.get());
            assertThat(during.dropped()).isZero();
        }

        sender.gate.countDown();
        OutcomeReport report = publisher.close(Duration.ofSeconds(30));

        assertThat(report.acknowledged()).isEqualTo(accepted.size());
        assertThat(report.unresolved()).isZero();
        List<String> landed = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        assertThat(landed).hasSize(accepted.size()).containsExactlyInAnyOrderElementsOf(accepted);
    }

    @Test
    void shouldBlockUpToTheTimeoutThenRefuseAndResumeWhenTheSenderMovesAgain() throws Exception {
        String topic = "bp-block-" + UUID.randomUUID().toString().substring(0, 8);
        SharedKafkaBroker.broker().createTopic(topic, 3);
        GatedSender sender = gatedKafkaSender();
        EventPublisher publisher = publisher(sender, Backpressure.BLOCK, Duration.ofSeconds(1));
        List<CompletableFuture<PublishResult>> accepted = new ArrayList<>();

        PublishRejectedException refusal = null;
        for (int i = 0; i < 10_000 && refusal == null; i++) {
            try {
                accepted.add(publisher.publish(topic, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
            } catch (PublishRejectedException e) {
                refusal = e;
            }
        }
        assertThat(refusal).as("the ring must fill while the sender is stalled").isNotNull();
        assertThat(refusal.reason()).isEqualTo(PublishRejectedException.Reason.BLOCK_TIMEOUT);
        assertThat(refusal.getMessage()).contains("block timeout of 1000 ms");
        assertThat(publisher.tryPublish(topic, null, new byte[1])).as("tryPublish never blocks").isFalse();

        // A publisher blocked on the full ring gets in as soon as the sender drains it.
        EventPublisher patient = publisher;
        CompletableFuture<CompletableFuture<PublishResult>> blocked = CompletableFuture.supplyAsync(
                () -> patient.publish(topic, null, "after-the-gate".getBytes(StandardCharsets.UTF_8)));
        sender.gate.countDown();
        CompletableFuture<PublishResult> late = blocked.get(10, TimeUnit.SECONDS);
        accepted.add(late);

        OutcomeReport report = publisher.close(Duration.ofSeconds(30));
        assertThat(report.accepted()).isEqualTo(accepted.size());
        assertThat(report.rejected()).isEqualTo(2); // the timed-out publish and the tryPublish
        assertThat(report.acknowledged()).isEqualTo(accepted.size());
        assertThat(accepted).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic)).hasSize(accepted.size()));
    }
}
