package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.outcome.ByteBudget;
import dev.eventpublisher.sender.KafkaBatchSender;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The byte budget ({@code maxBytes}): events hold their bytes from acceptance to outcome, a publish that would pass
 * the budget is refused ({@code MEMORY_FULL}) or, under {@code BLOCK}, waits for room; and every event gives its
 * bytes back whatever its outcome — acknowledged, failed, sent without a future, replayed from the journal — so
 * the budget never leaks. A real broker behind a gate stands in for a slow Kafka.
 */
@ExtendWith(SharedKafkaBroker.class)
class ByteBudgetKafkaIT {
    private static final int VALUE = 100 * 1024;
    private static final long EVENT = VALUE + ByteBudget.EVENT_OVERHEAD;

    private static BackpressureKafkaIT.GatedSender gated() {
        Map<String, Object> props = new HashMap<>(KafkaBatchSender.defaultProducerProperties());
        props.put("bootstrap.servers", SharedKafkaBroker.bootstrapServers());
        return new BackpressureKafkaIT.GatedSender(new KafkaBatchSender(props));
    }

    private static long held(EventPublisher publisher) {
        return ((Number) publisher.metrics().getGauges().get(MetricNames.EVENTS_HELD_BYTES).getValue()).longValue();
    }

    private static String topic(String name) {
        String topic = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        SharedKafkaBroker.broker().createTopic(topic, 3);
        return topic;
    }

    @Test
    void shouldRefuseWithMemoryFullOnceHeldBytesFillTheBudgetAndTakeEventsAgainOnceKafkaAnswers() throws Exception {
        String topic = topic("budget");
        BackpressureKafkaIT.GatedSender sender = gated();
        try (EventPublisher publisher = EventPublisher.builder().batchSender(sender).ringSize(1024)
                .maxBytes(1024 * 1024).build()) {
            List<CompletableFuture<PublishResult>> accepted = new ArrayList<>();
            PublishRejectedException refusal = null;
            while (refusal == null && accepted.size() < 1000) {
                try {
                    accepted.add(publisher.publish(topic, null, new byte[VALUE]));
                } catch (PublishRejectedException e) {
                    refusal = e;
                }
            }
            // 10 events of 100 KiB + overhead fit 1 MiB; the ring (1,024 slots) is nowhere near full.
            assertThat(accepted).hasSize((int) (1024 * 1024 / EVENT));
            assertThat(refusal.reason()).isEqualTo(PublishRejectedException.Reason.MEMORY_FULL);
            assertThat(refusal).hasMessageContaining("max-bytes 1048576");
            assertThat(held(publisher)).isEqualTo(accepted.size() * EVENT);
            assertThat(publisher.tryPublish(topic, null, new byte[VALUE])).isFalse();
            assertThatThrownBy(() -> publisher.publishAll(List.of(new Event(topic, null, new byte[VALUE], null))))
                    .isInstanceOf(PublishRejectedException.class).hasMessageContaining("max-bytes");
            assertThat(publisher.outcomes().rejected()).isEqualTo(3);

            sender.gate.countDown();
            CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> held(publisher) == 0);
            publisher.publish(topic, null, new byte[VALUE]).get(30, TimeUnit.SECONDS);
        }
        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic)).hasSize((int) (1024 * 1024 / EVENT) + 1);
    }

    @Test
    void shouldMakeABlockingPublishWaitForRoomInTheBudget() throws Exception {
        String topic = topic("budget-block");
        BackpressureKafkaIT.GatedSender sender = gated();
        try (EventPublisher publisher = EventPublisher.builder().batchSender(sender).ringSize(1024)
                .maxBytes(3 * EVENT).backpressure(Backpressure.BLOCK).blockTimeout(Duration.ofSeconds(60)).build()) {
            List<CompletableFuture<PublishResult>> first = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                first.add(publisher.publish(topic, null, new byte[VALUE]));
            }
            CompletableFuture<PublishFuture> blocked = CompletableFuture.supplyAsync(() -> publisher.publish(topic, null, new byte[VALUE]));
            // It waits for room (no refusal), and goes in once the gate lets the first three reach Kafka.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !blocked.isDone());
            sender.gate.countDown();
            blocked.get(60, TimeUnit.SECONDS).get(60, TimeUnit.SECONDS);
            CompletableFuture.allOf(first.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> held(publisher) == 0);
        }
    }

    @Test
    void shouldGiveBackEveryEventsBytesWhateverItsOutcome(@TempDir Path dir) throws Exception {
        String topic = topic("budget-outcomes");
        // The broker refuses records over 20,000 bytes on this topic: those events fail (kafka:RecordTooLargeException).
        String small = "budget-small-" + UUID.randomUUID().toString().substring(0, 8);
        SharedKafkaBroker.broker().createTopic(small, 1, Map.of("max.message.bytes", "20000"));
        byte[] incompressible = new byte[40_000];
        new Random(3).nextBytes(incompressible);
        try (EventPublisher publisher = EventPublisher.builder().bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .journal(JournalConfig.at(dir.resolve("journal"))).build()) {
            List<CompletableFuture<PublishResult>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                futures.add(publisher.publish(topic, "k" + i, "v" + i));
                assertThat(publisher.tryPublish(topic, null, ("untracked-" + i).getBytes())).isTrue();
            }
            futures.addAll(publisher.publishAll(List.of(new Event(topic, null, new byte[1000], null),
                    new Event(topic, "k".getBytes(), new byte[2000], List.of()))));
            CompletableFuture<PublishResult> tooLarge = publisher.publish(small, null, incompressible);
            publisher.forceFlush().get(60, TimeUnit.SECONDS);
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(tooLarge).isCompletedExceptionally();
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.outcomes().acknowledged() == 402);
            assertThat(publisher.outcomes().failed()).isEqualTo(1);
            assertThat(held(publisher)).as("bytes still held after every outcome").isZero();
        }
    }

    @Test
    void shouldCountReplayedEventsInTheBudgetAndGiveTheirBytesBack(@TempDir Path dir) throws Exception {
        String topic = topic("budget-replay");
        JournalConfig journal = JournalConfig.at(dir.resolve("journal"));
        // Kafka unreachable: the events stay in the journal (deferred) when the publisher closes.
        try (EventPublisher offline = EventPublisher.builder().bootstrapServers("127.0.0.1:1").journal(journal)
                .producerProperty("max.block.ms", "1000").build()) {
            for (int i = 0; i < 50; i++) {
                offline.publish(topic, null, new byte[VALUE]).accepted().get(30, TimeUnit.SECONDS);
            }
            offline.close(Duration.ofSeconds(1));
        }
        // Replayed into a budget that holds 5 of them at a time: the replay waits for room, all 50 land.
        try (EventPublisher publisher = EventPublisher.builder().bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .journal(journal).maxBytes(5 * EVENT).build()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.outcomes().acknowledged() == 50);
            await().atMost(Duration.ofSeconds(10)).until(() -> held(publisher) == 0);
            assertThat(publisher.outcomes().replayed()).isEqualTo(50);
        }
        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic)).hasSize(50);
    }
}
