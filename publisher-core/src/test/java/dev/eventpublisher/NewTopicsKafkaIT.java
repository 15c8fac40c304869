package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.kafka.embedded.EmbeddedKafkaBroker;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Topics that do not exist yet must never hold up topics that do: the sender thread does not wait for a topic's
 * metadata (Kafka creating it, or refusing to), and a topic Kafka will not create fails its events with a reason.
 */
@ExtendWith(SharedKafkaBroker.class)
class NewTopicsKafkaIT {

    @Test
    void shouldDeliverToExistingTopicsWhileTopicsKafkaWillNotCreateWaitAndThenFailWithTheirReason() throws Exception {
        int missingTopics = 500;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .brokerProperty("auto.create.topics.enable", "false").build().start()) {
            broker.createTopic("exists", 3);
            try (EventPublisher publisher = EventPublisher.builder()
                    .bootstrapServers(broker.bootstrapServers())
                    .producerProperty("max.block.ms", "20000")
                    .build()) {
                // Missing topics and the existing one, interleaved in one stream.
                List<CompletableFuture<PublishResult>> missing = new ArrayList<>();
                List<CompletableFuture<PublishResult>> existing = new ArrayList<>();
                for (int t = 0; t < missingTopics; t++) {
                    missing.add(publisher.publish("never-created-" + t, "k", "lost?"));
                    missing.add(publisher.publish("never-created-" + t, "k", "lost too?"));
                    existing.add(publisher.publish("exists", "k" + t, "v" + t));
                }
                // The sender is not stuck behind the missing topics: every event to the topic that exists is
                // acknowledged while the missing topics' events still wait for Kafka's answer (max.block.ms 20 s).
                CompletableFuture.allOf(existing.toArray(CompletableFuture[]::new)).get(15, TimeUnit.SECONDS);
                assertThat(missing.stream().filter(CompletableFuture::isDone).count())
                        .as("missing topics' events already answered when the existing topic's were").isZero();
                assertThat(((Number) publisher.metrics().getGauges().get(MetricNames.SENDER_WAITING_FOR_METADATA)
                        .getValue()).intValue()).isEqualTo(2 * missingTopics);

                for (CompletableFuture<PublishResult> f : missing) {
                    assertThatThrownBy(() -> f.get(120, TimeUnit.SECONDS))
                            .isInstanceOf(ExecutionException.class)
                            .cause().isInstanceOf(PublishFailedException.class)
                            .satisfies(e -> assertThat(((PublishFailedException) e).reason())
                                    .isEqualTo("kafka:UNKNOWN_TOPIC_OR_PARTITION"))
                            .hasMessageContaining("never-created-").hasMessageContaining("does not exist");
                }
                // While the failure is fresh, another event to such a topic fails at once with the same reason.
                assertThatThrownBy(() -> publisher.publish("never-created-7", "k", "again").get(60, TimeUnit.SECONDS))
                        .cause().isInstanceOf(PublishFailedException.class).hasMessageContaining("does not exist");
                assertThat(publisher.outcomes().failedByReason())
                        .containsEntry("kafka:UNKNOWN_TOPIC_OR_PARTITION", 2L * missingTopics + 1);
                assertThat(publisher.outcomes().acknowledged()).isEqualTo(missingTopics);
            }
            assertThat(TopicReader.readAll(broker.bootstrapServers(), "exists")).hasSize(missingTopics);
        }
    }

    @Test
    void shouldDeliverAFanOutToHundredsOfNewTopicsAndTheExistingTopicsBetweenThem() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String existing = "old-" + run;
        SharedKafkaBroker.broker().createTopic(existing, 3);
        int topics = 300;
        int perTopic = 10;
        List<CompletableFuture<PublishResult>> all = new ArrayList<>();
        try (EventPublisher publisher = EventPublisher.builder().bootstrapServers(SharedKafkaBroker.bootstrapServers()).build()) {
            for (int i = 0; i < perTopic; i++) {
                for (int t = 0; t < topics; t++) {
                    all.add(publisher.publish("new-" + run + "-" + t, null, "e" + i));
                }
                all.add(publisher.publish(existing, "k", "between-" + i));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            assertThat(publisher.outcomes().acknowledged()).isEqualTo((long) topics * perTopic + perTopic);
        }
        List<ConsumerRecord<byte[], byte[]>> old = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), existing);
        assertThat(old).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactly("between-0", "between-1", "between-2", "between-3", "between-4",
                        "between-5", "between-6", "between-7", "between-8", "between-9");
        for (int t : new int[] {0, 149, 299}) {
            assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), "new-" + run + "-" + t))
                    .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9");
        }
    }
}
