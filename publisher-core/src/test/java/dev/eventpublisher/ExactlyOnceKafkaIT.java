package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.sender.DeadLetteredException;
import dev.eventpublisher.sender.ExactlyOnceConfig;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Exactly-once mode against a real broker, read back with {@code read_committed} consumers: transactions
 * span many flushes and carry the journal position; a restart resumes from Kafka's committed position; an
 * event that fails on its own leaves the transaction without stalling it. (The SIGKILL loop, a broker restart
 * and a timed-out transaction are the daemon's ITs: they need processes to kill.)
 */
@ExtendWith(SharedKafkaBroker.class)
class ExactlyOnceKafkaIT {

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Builds the publisher and waits until it takes events: an exactly-once start reads Kafka's committed position
     * before the first event is admitted (until then publishing is refused, or waits under BLOCK, with REPLAYING).
     */
    private static EventPublisher started(EventPublisherBuilder builder) {
        EventPublisher publisher = builder.build();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !publisher.journal().isReplaying());
        return publisher;
    }

    private static EventPublisherBuilder publisher(Path journal, String offsetsTopic, MetricRegistry registry) {
        return EventPublisher.builder()
                .bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .journal(JournalConfig.at(journal))
                .exactlyOnce(ExactlyOnceConfig.defaults().interval(Duration.ofMillis(50)).offsetsTopic(offsetsTopic))
                .metricRegistry(registry);
    }

    @Test
    void shouldWriteEveryEventOnceWithItsJournalPositionInTransactionsThatSpanFlushes() throws Exception {
        String small = unique("eos-small");
        String large = unique("eos-large");
        String offsets = unique("eos-offsets");
        SharedKafkaBroker.broker().createTopic(small, 3);
        SharedKafkaBroker.broker().createTopic(large, 3);
        Path journal = Files.createTempDirectory("eos-journal-");
        MetricRegistry registry = new MetricRegistry();
        int perThread = 1_500;
        List<CompletableFuture<PublishResult>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (EventPublisher publisher = started(publisher(journal, offsets, registry)
                .topic(small, 7, null).topic(large, 200, Duration.ofMillis(20)))) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int thread = t;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String topic = i % 3 == 0 ? small : large;
                        futures.add(publisher.publish(topic, "t" + thread, "t" + thread + "-" + i));
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            publisher.forceFlush().get(60, TimeUnit.SECONDS);
            for (CompletableFuture<PublishResult> f : futures) {
                assertThat(f.get(10, TimeUnit.SECONDS).offset()).isNotNegative();
            }
        }
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), small));
        records.addAll(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), large));
        assertThat(records).hasSize(2 * perThread);
        assertEachOnceAndInOrder(records);
        long committed = registry.counter(MetricNames.TRANSACTIONS_COMMITTED).getCount();
        long flushes = registry.getCounters().entrySet().stream()
                .filter(e -> e.getKey().startsWith(MetricNames.BATCHES_FLUSHED_PREFIX)).mapToLong(e -> e.getValue().getCount()).sum();
        System.out.printf("ExactlyOnceKafkaIT: %d events in %d flushes and %d transactions%n", 2 * perThread, flushes, committed);
        assertThat(committed).as("transactions").isPositive().isLessThan(flushes);
        assertThat(committedPosition(offsets)).as("the offsets topic holds the journal's end").isEqualTo(2L * perThread);

        // A restart on the same journal sends nothing again and goes on from the committed position.
        MetricRegistry again = new MetricRegistry();
        try (EventPublisher publisher = started(publisher(journal, offsets, again))) {
            publisher.publish(small, "later", "later-0").get(60, TimeUnit.SECONDS);
        }
        assertThat(again.counter(MetricNames.EVENTS_REPLAYED).getCount()).isZero();
        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), small)).hasSize(perThread * 2 / 3 + 1);
        assertThat(committedPosition(offsets)).isEqualTo(2L * perThread + 1);
    }

    @Test
    void shouldTakeAnEventThatFailsOnItsOwnOutOfTheTransactionWithoutStallingTheRest() throws Exception {
        String topic = unique("eos-limited");
        String deadLetters = unique("eos-dead-letters");
        // The broker refuses records over 1 KB for this topic: the failure comes back from the broker, mid-transaction.
        SharedKafkaBroker.broker().createTopic(topic, 1, Map.of("max.message.bytes", "1024"));
        SharedKafkaBroker.broker().createTopic(deadLetters, 1);
        byte[] big = new byte[5_000];
        new java.util.Random(3).nextBytes(big);

        for (boolean withDeadLetters : new boolean[] {false, true}) {
            EventPublisherBuilder builder = publisher(Files.createTempDirectory("eos-journal-"), unique("eos-offsets"),
                    new MetricRegistry());
            if (withDeadLetters) {
                builder.deadLetterTopic(deadLetters);
            }
            List<CompletableFuture<PublishResult>> fine = new ArrayList<>();
            CompletableFuture<PublishResult> tooBig;
            try (EventPublisher publisher = started(builder)) {
                for (int i = 0; i < 100; i++) {
                    fine.add(publisher.publish(topic, "k" + withDeadLetters, withDeadLetters + "-" + i));
                }
                tooBig = publisher.publish(topic, "k".getBytes(StandardCharsets.UTF_8), big, null);
                for (int i = 100; i < 200; i++) {
                    fine.add(publisher.publish(topic, "k" + withDeadLetters, withDeadLetters + "-" + i));
                }
                for (CompletableFuture<PublishResult> f : fine) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertThatThrownBy(() -> tooBig.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .satisfies(e -> {
                            PublishFailedException failure = (PublishFailedException) e.getCause();
                            if (withDeadLetters) {
                                assertThat(failure.reason()).isEqualTo("dead_letter");
                                assertThat(failure.getCause()).isInstanceOf(DeadLetteredException.class)
                                        .hasCauseInstanceOf(RecordTooLargeException.class);
                            } else {
                                assertThat(failure).hasCauseInstanceOf(RecordTooLargeException.class);
                            }
                        });
            }
        }
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic);
        assertThat(records).hasSize(400);
        assertEachOnceAndInOrder(records);
        List<ConsumerRecord<byte[], byte[]>> letters = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), deadLetters);
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).value()).isEqualTo(big);
    }

    @Test
    void shouldFailTheJournalWhenKafkasCommittedPositionIsBeyondItsEnd() throws Exception {
        String topic = unique("eos-restored");
        String offsets = unique("eos-offsets");
        SharedKafkaBroker.broker().createTopic(topic, 1);
        Path journal = Files.createTempDirectory("eos-journal-");
        try (EventPublisher publisher = started(publisher(journal, offsets, new MetricRegistry()))) {
            for (int i = 0; i < 10; i++) {
                publisher.publish(topic, "k", "v-" + i).get(60, TimeUnit.SECONDS);
            }
        }
        // As if this journal were an old backup: Kafka has committed far more of it than the files hold.
        ConsumerRecord<byte[], byte[]> position = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), offsets).get(0);
        Map<String, Object> props = Map.of("bootstrap.servers", SharedKafkaBroker.bootstrapServers(),
                "key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName(),
                "value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(props)) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(offsets, position.partition(), position.key(),
                    "{\"next_position\":1000}".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }

        try (EventPublisher publisher = publisher(journal, offsets, new MetricRegistry()).build()) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> publisher.journal().failure() != null);
            assertThat(publisher.journal().failure()).contains("committed position for this journal is 1000")
                    .contains("journal ends at position 10");
            assertThatThrownBy(() -> publisher.publish(topic, "k", "new")).isInstanceOf(PublishRejectedException.class)
                    .satisfies(e -> assertThat(((PublishRejectedException) e).reason())
                            .isEqualTo(PublishRejectedException.Reason.JOURNAL_FAILED));
        }
        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic)).hasSize(10);
    }

    /**
     * A crash after Kafka committed some events but before the journal's checkpoint (every 200 ms) caught up with
     * them: they are still in the journal, below Kafka's committed position. The restart must not send them
     * again, but its replay listener must see them (the daemon rebuilds Idempotency-Keys from them: a client
     * whose answer was lost in the crash retries, and its key must be known).
     */
    @Test
    void shouldShowTheReplayListenerEventsCommittedAfterTheLastCheckpointWithoutSendingThemAgain() throws Exception {
        String topic = unique("eos-seen");
        String offsets = unique("eos-offsets");
        SharedKafkaBroker.broker().createTopic(topic, 1);
        Path journal = Files.createTempDirectory("eos-journal-");
        byte[] checkpointBeforeAnyEvent;
        try (EventPublisher publisher = started(publisher(journal, offsets, new MetricRegistry()))) {
            checkpointBeforeAnyEvent = Files.readAllBytes(journal.resolve("checkpoint"));
            for (int i = 0; i < 5; i++) {
                publisher.publish(topic, "k", "v-" + i).get(60, TimeUnit.SECONDS); // acknowledged: committed
            }
        }
        assertThat(committedPosition(offsets)).isEqualTo(5);
        // As if the daemon had been killed before its checkpoint moved past the five events.
        Files.write(journal.resolve("checkpoint"), checkpointBeforeAnyEvent);

        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        try (EventPublisher publisher = started(publisher(journal, offsets, new MetricRegistry())
                .replayListener((t, k, value, headers, millis) -> seen.add(new String(value, StandardCharsets.UTF_8))))) {
            assertThat(seen).containsExactly("v-0", "v-1", "v-2", "v-3", "v-4");
            publisher.publish(topic, "k", "v-5").get(60, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic);
        assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactly("v-0", "v-1", "v-2", "v-3", "v-4", "v-5");
    }

    /** Values are {@code <prefix>-<n>}: every value once, and per key (one partition each) n only grows. */
    private static void assertEachOnceAndInOrder(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Integer> lastByKeyAndTopic = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            seen.merge(value, 1, Integer::sum);
            int n = Integer.parseInt(value.substring(value.lastIndexOf('-') + 1));
            String stream = r.topic() + "/" + new String(r.key(), StandardCharsets.UTF_8);
            Integer last = lastByKeyAndTopic.put(stream, n);
            assertThat(last == null || last < n).as("order of %s: %s after %s", stream, n, last).isTrue();
        }
        assertThat(seen.values()).as("each event once").allMatch(count -> count == 1);
    }

    /** The last committed position in the offsets topic, read with read_committed. */
    private static long committedPosition(String offsetsTopic) {
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), offsetsTopic);
        assertThat(records).isNotEmpty();
        String value = new String(records.get(records.size() - 1).value(), StandardCharsets.UTF_8);
        return Long.parseLong(value.replaceAll("\\D", ""));
    }
}
