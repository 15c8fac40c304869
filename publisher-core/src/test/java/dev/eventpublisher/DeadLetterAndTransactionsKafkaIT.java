package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.sender.DeadLetteredException;
import dev.eventpublisher.sender.KafkaBatchSender;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dead-letter route and transactional flushes, proven by reading the topics back. */
@ExtendWith(SharedKafkaBroker.class)
class DeadLetterAndTransactionsKafkaIT {

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static byte[] incompressible(int size) {
        byte[] bytes = new byte[size];
        new java.util.Random(7).nextBytes(bytes);
        return bytes;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static Throwable failureOf(CompletableFuture<PublishResult> future) throws Exception {
        try {
            future.get(60, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void shouldWriteAnEventTheTopicRefusesToTheDeadLetterTopicWithItsReason() throws Exception {
        String topic = unique("small-records");
        String deadLetters = unique("dead-letters");
        // The broker refuses records over 1 KB for this topic; the dead-letter topic takes them.
        SharedKafkaBroker.broker().createTopic(topic, 1, Map.of("max.message.bytes", "1024"));
        SharedKafkaBroker.broker().createTopic(deadLetters, 1);
        byte[] big = incompressible(5_000); // lz4 would shrink a repeated byte below the topic's limit

        CompletableFuture<PublishResult> tooBig;
        CompletableFuture<PublishResult> fine;
        PublishResult storedAt;
        try (EventPublisher publisher = EventPublisher.builder()
                .bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .deadLetterTopic(deadLetters)
                .build()) {
            tooBig = publisher.publish(topic, "k1".getBytes(StandardCharsets.UTF_8), big, null);
            fine = publisher.publish(topic, "k2", "small");
            publisher.forceFlush().get(60, TimeUnit.SECONDS);

            Throwable failure = failureOf(tooBig);
            assertThat(failure).isInstanceOf(PublishFailedException.class);
            assertThat(((PublishFailedException) failure).reason()).isEqualTo("dead_letter");
            assertThat(failure.getCause()).isInstanceOf(DeadLetteredException.class)
                    .hasMessageContaining("stored in dead-letter topic " + deadLetters)
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.RecordTooLargeException.class);
            storedAt = ((DeadLetteredException) failure.getCause()).storedAt();
            assertThat(storedAt.topic()).isEqualTo(deadLetters);
            assertThat(fine.get(10, TimeUnit.SECONDS).offset()).isGreaterThanOrEqualTo(0);
            assertThat(publisher.outcomes().failedByReason()).containsEntry("dead_letter", 1L);
            assertThat(publisher.metrics().counter(MetricNames.EVENTS_DEAD_LETTERED).getCount()).isEqualTo(1);
        }

        List<ConsumerRecord<byte[], byte[]>> letters = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), deadLetters);
        assertThat(letters).hasSize(1);
        ConsumerRecord<byte[], byte[]> letter = letters.get(0);
        assertThat(letter.value()).isEqualTo(big);
        assertThat(text(letter.key())).isEqualTo("k1");
        assertThat(text(letter.headers().lastHeader(KafkaBatchSender.HEADER_ORIGINAL_TOPIC).value())).isEqualTo(topic);
        assertThat(text(letter.headers().lastHeader(KafkaBatchSender.HEADER_REASON).value()))
                .isEqualTo("kafka:RecordTooLargeException");
        assertThat(letter.offset()).isEqualTo(storedAt.offset());
        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic)).extracting(r -> text(r.value()))
                .containsExactly("small");
    }

    @Test
    void shouldMakeEachFlushOneTransactionSoAFailedFlushIsInvisibleWhole() throws Exception {
        String topic = unique("tx");
        SharedKafkaBroker.broker().createTopic(topic, 3, Map.of("max.message.bytes", "1024"));
        List<CompletableFuture<PublishResult>> good = new ArrayList<>();
        List<CompletableFuture<PublishResult>> doomed = new ArrayList<>();
        try (EventPublisher publisher = EventPublisher.builder()
                .bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .producerProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, unique("publisher-tx"))
                .batchSize(50).maxBatchSize(50).batchTimeout(Duration.ofHours(1))
                .endOfBatchPolicy(EndOfBatchPolicy.SIZE_OR_TIMEOUT)
                .build()) {
            for (int i = 0; i < 50; i++) {
                good.add(publisher.publish(topic, "k" + (i % 5), "good-" + i)); // one full flush of 50
            }
            for (int i = 0; i < 10; i++) {
                doomed.add(publisher.publish(topic, "k" + i, "doomed-" + i));
            }
            doomed.add(publisher.publish(topic, null, incompressible(5_000))); // the broker refuses it: the flush aborts
            publisher.forceFlush().get(60, TimeUnit.SECONDS);

            for (CompletableFuture<PublishResult> f : good) {
                assertThat(f.get(10, TimeUnit.SECONDS).offset()).isGreaterThanOrEqualTo(0);
            }
            for (CompletableFuture<PublishResult> f : doomed) {
                assertThat(failureOf(f)).isInstanceOf(PublishFailedException.class);
            }
            assertThat(((PublishFailedException) failureOf(doomed.get(10))).reason()).isEqualTo("kafka:RecordTooLargeException");
            assertThat(((PublishFailedException) failureOf(doomed.get(0))).reason()).isEqualTo("kafka:TransactionAbortedException");
        }

        // read_committed (TopicReader) sees the committed flush whole and nothing of the aborted one.
        List<String> committed = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic).stream()
                .map(r -> text(r.value())).toList();
        assertThat(committed).hasSize(50).allMatch(v -> v.startsWith("good-"));
    }

    @Test
    void shouldReplaceAFencedProducerAndCarryOn() throws Exception {
        String topic = unique("fenced");
        String transactionalId = unique("shared-tx");
        SharedKafkaBroker.broker().createTopic(topic, 1);
        try (EventPublisher publisher = EventPublisher.builder()
                .bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .producerProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId)
                .build()) {
            assertThat(publisher.publish(topic, "k", "before").get(30, TimeUnit.SECONDS).offset()).isGreaterThanOrEqualTo(0);

            // A rival with the same transactional.id fences the publisher's producer.
            Properties rivalProps = new Properties();
            rivalProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafkaBroker.bootstrapServers());
            rivalProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            rivalProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            rivalProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            try (KafkaProducer<byte[], byte[]> rival = new KafkaProducer<>(rivalProps)) {
                rival.initTransactions();
            }

            PublishResult after = publisher.publish(topic, "k", "after").get(60, TimeUnit.SECONDS);
            assertThat(after.offset()).isGreaterThan(0);
            assertThat(publisher.metrics().counter(MetricNames.PRODUCER_RECREATED).getCount()).isEqualTo(1);
            assertThat(publisher.publish(topic, "k", "later").get(30, TimeUnit.SECONDS).offset()).isGreaterThan(after.offset());
        }
        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic)).extracting(r -> text(r.value()))
                .containsExactly("before", "after", "later");
    }
}
