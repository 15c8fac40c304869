package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.kafka.embedded.EmbeddedKafkaBroker;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code flushWhenIdle} against a real broker, with a {@code linger.ms} of ten minutes so that any record Kafka
 * sends before then was sent because the publisher asked: the lone event and the end of a burst are not held for
 * the linger; with the setting off they are (until a barrier or close), which is what shows the setting does it.
 */
@ExtendWith(SharedKafkaBroker.class)
class ProducerFlushKafkaIT {
    private static final String TEN_MINUTES = "600000";

    private static String topic(String name) {
        String topic = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        SharedKafkaBroker.broker().createTopic(topic, 3);
        return topic;
    }

    private static EventPublisher publisher(boolean flushWhenIdle) {
        return EventPublisher.builder()
                .bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .producerProperty("linger.ms", TEN_MINUTES)
                .flushWhenIdle(flushWhenIdle)
                .build();
    }

    @Test
    void shouldSendALoneEventAndTheEndOfABurstWithoutWaitingForTheLinger() throws Exception {
        String topic = topic("idle-flush");
        try (EventPublisher publisher = publisher(true)) {
            for (int i = 0; i < 5; i++) {
                PublishResult lone = publisher.publish(topic, "k", "lone-" + i).get(60, TimeUnit.SECONDS);
                assertThat(lone.topic()).isEqualTo(topic);
            }
            // A burst: many batches in a row, then nothing. Its last records must not wait ten minutes either.
            List<CompletableFuture<PublishResult>> burst = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                burst.add(publisher.publish(topic, null, "burst-" + i));
            }
            CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(publisher.metrics().counter(MetricNames.SENDER_PRODUCER_FLUSHES).getCount())
                    .as("each lone event, and the burst's end, asked Kafka to send").isGreaterThanOrEqualTo(6);
        }
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic);
        assertThat(records).hasSize(20_005);
        assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .contains("lone-0", "lone-4", "burst-0", "burst-19999");
    }

    @Test
    void shouldHoldEventsForTheLingerWhenOffButStillSendThemAtAForceFlush() throws Exception {
        String topic = topic("no-idle-flush");
        try (EventPublisher publisher = publisher(false)) {
            CompletableFuture<PublishResult> held = publisher.publish(topic, "k", "held");
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> !held.isDone());
            assertThat(publisher.metrics().counter(MetricNames.SENDER_PRODUCER_FLUSHES).getCount()).isZero();

            // A barrier does not wait for the linger: forceFlush has Kafka send what it holds.
            publisher.forceFlush().get(60, TimeUnit.SECONDS);
            assertThat(held).isCompleted();
            assertThat(held.get().topic()).isEqualTo(topic);
        }
        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic))
                .extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("held");
    }

    @Test
    void shouldCloseWithoutHangingWhileAFlushWaitsForABrokerThatIsGone() throws Exception {
        EventPublisher publisher;
        CompletableFuture<PublishResult> stranded;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            broker.createTopic("gone", 1);
            publisher = EventPublisher.builder()
                    .name("gone")
                    .bootstrapServers(broker.bootstrapServers())
                    .producerProperty("linger.ms", TEN_MINUTES)
                    .circuitBreaker(false)
                    .build();
            publisher.publish("gone", "k", "before").get(60, TimeUnit.SECONDS);
        }
        // The broker is gone; the producer still has its metadata, takes the record, and the flush asked for it
        // waits for an answer that cannot come.
        long flushesBefore = publisher.metrics().counter(MetricNames.SENDER_PRODUCER_FLUSHES).getCount();
        stranded = publisher.publish("gone", "k", "after");
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !stranded.isDone());

        OutcomeReport report = publisher.close(Duration.ofSeconds(3));

        assertThat(report.unresolved()).isZero();
        assertThat(report.acknowledged()).isEqualTo(1);
        assertThat(report.failed()).isEqualTo(1);
        assertThat(stranded).isCompletedExceptionally();
        assertThat(flushesBefore).as("the first event was sent by a flush").isGreaterThanOrEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("gone-flush")));
    }
}
