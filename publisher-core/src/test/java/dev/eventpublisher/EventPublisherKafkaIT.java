package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole pipeline against a real KRaft broker in this JVM, read back with a real KafkaConsumer. */
@ExtendWith(SharedKafkaBroker.class)
class EventPublisherKafkaIT {

    private static String uniqueTopic(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void shouldDeliverEveryAcceptedEventExactlyOnceAndInKeyOrderFromFourThreads() throws Exception {
        List<String> topics = List.of(uniqueTopic("many-a"), uniqueTopic("many-b"), uniqueTopic("many-c"));
        topics.forEach(t -> SharedKafkaBroker.broker().createTopic(t, 3));
        int threads = 4;
        int perThread = 25_000;
        Map<String, PublishResult> acknowledged = new ConcurrentHashMap<>();
        Map<String, String> failed = new ConcurrentHashMap<>();
        long rejected;

        EventPublisher publisher = EventPublisher.builder()
                .bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .batchSize(100).batchTimeout(Duration.ofMillis(20)).maxBatchSize(500)
                .ringSize(4096)
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    long refused = 0;
                    int[] nextSeq = new int[30];
                    for (int i = 0; i < perThread; i++) {
                        int keyIndex = i % 30;
                        String topic = topics.get(keyIndex % 3);
                        String key = "t" + thread + "-k" + keyIndex;
                        String value = key + "-" + nextSeq[keyIndex];
                        try {
                            publisher.publish(topic, key, value).whenComplete((result, error) -> {
                                if (error == null) {
                                    acknowledged.put(value, result);
                                } else {
                                    failed.put(value, error.toString());
                                }
                            });
                            nextSeq[keyIndex]++;
                        } catch (PublishRejectedException e) {
                            refused++;
                        }
                    }
                    return refused;
                }));
            }
            long refusedTotal = 0;
            for (Future<Long> result : results) {
                refusedTotal += result.get(120, TimeUnit.SECONDS);
            }
            rejected = refusedTotal;
        } finally {
            pool.shutdownNow();
        }
        OutcomeReport report = publisher.close(Duration.ofSeconds(60));

        long attempted = (long) threads * perThread;
        assertThat(report.accepted() + report.rejected()).isEqualTo(attempted);
        assertThat(report.rejected()).isEqualTo(rejected);
        assertThat(report.unresolved()).isZero();
        assertThat(report.acknowledged() + report.failed()).isEqualTo(report.accepted());
        assertThat(acknowledged).hasSize((int) report.acknowledged());
        assertThat(failed).hasSize((int) report.failed());
        assertThat(report.acknowledged()).as("a healthy local broker acknowledges everything").isEqualTo(attempted);

        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        topics.forEach(topic -> all.addAll(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic)));
        assertThat(all).hasSize(acknowledged.size());

        Set<String> seen = new HashSet<>();
        Map<String, Integer> lastSeqByKey = new HashMap<>();
        all.sort((a, b) -> a.topic().equals(b.topic())
                ? (a.partition() == b.partition() ? Long.compare(a.offset(), b.offset()) : a.partition() - b.partition())
                : a.topic().compareTo(b.topic()));
        for (ConsumerRecord<byte[], byte[]> record : all) {
            String value = text(record.value());
            String key = text(record.key());
            assertThat(seen.add(value)).as("duplicate %s", value).isTrue();
            PublishResult ack = acknowledged.get(value);
            assertThat(ack).as("record %s was never acknowledged", value).isNotNull();
            assertThat(List.of(ack.topic(), ack.partition(), ack.offset()))
                    .isEqualTo(List.of(record.topic(), record.partition(), record.offset()));
            int seq = Integer.parseInt(value.substring(value.lastIndexOf('-') + 1));
            Integer previous = lastSeqByKey.put(key, seq);
            assertThat(previous == null ? -1 : previous).as("order of key %s", key).isLessThan(seq);
        }
    }

    @Test
    void shouldFailAnOversizedRecordAloneWhileTheRestOfItsBatchLands() throws Exception {
        String topic = uniqueTopic("oversized");
        // The producer takes the record (under max.request.size); the topic's broker-side limit refuses it.
        SharedKafkaBroker.broker().createTopic(topic, 1, java.util.Map.of("max.message.bytes", "20000"));
        try (EventPublisher publisher = EventPublisher.builder()
                .bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .batchSize(50).maxBatchSize(50).batchTimeout(Duration.ofSeconds(10))
                .endOfBatchPolicy(EndOfBatchPolicy.SIZE_OR_TIMEOUT)
                .build()) {
            List<CompletableFuture<PublishResult>> small = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                small.add(publisher.publish(topic, "k", "before-" + i));
            }
            byte[] incompressible = new byte[100 * 1024];
            new java.util.Random(7).nextBytes(incompressible);
            CompletableFuture<PublishResult> huge = publisher.publish(topic, null, incompressible);
            for (int i = 0; i < 10; i++) {
                small.add(publisher.publish(topic, "k", "after-" + i));
            }
            publisher.forceFlush().get(30, TimeUnit.SECONDS);

            assertThat(huge).isCompletedExceptionally();
            assertThatThrownBy(huge::get).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(PublishFailedException.class)
                    .hasMessageContaining("kafka:RecordTooLargeException");
            assertThat(((PublishFailedException) catchCause(huge)).reason()).isEqualTo("kafka:RecordTooLargeException");
            for (CompletableFuture<PublishResult> f : small) {
                assertThat(f).isCompletedWithValueMatching(r -> r.offset() >= 0);
            }
            assertThat(publisher.outcomes().failedByReason()).containsEntry("kafka:RecordTooLargeException", 1L);
        }
        List<String> values = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic).stream()
                .map(r -> text(r.value())).toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("before-" + i);
        }
        for (int i = 0; i < 10; i++) {
            expected.add("after-" + i);
        }
        assertThat(values).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldAcknowledgeEveryPendingEventBeforeCloseReturnsAndRefuseLaterPublishes() throws Exception {
        String topic = uniqueTopic("close-pending");
        SharedKafkaBroker.broker().createTopic(topic, 3);
        EventPublisher publisher = EventPublisher.builder()
                .bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .batchSize(200).maxBatchSize(200).batchTimeout(Duration.ofHours(1))
                .endOfBatchPolicy(EndOfBatchPolicy.SIZE_OR_TIMEOUT)
                .build();
        List<CompletableFuture<PublishResult>> futures = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            futures.add(publisher.publish(topic, "key-" + (i % 7), "pending-" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> publisher.batchStatus().pendingEvents() == 150);
        assertThat(publisher.batchStatus().hasScheduledFlush()).isTrue();
        assertThat(futures).noneMatch(CompletableFuture::isDone);

        OutcomeReport report = publisher.close(Duration.ofSeconds(30));

        assertThat(futures).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(report.accepted()).isEqualTo(150);
        assertThat(report.acknowledged()).isEqualTo(150);
        assertThat(report.unresolved()).isZero();
        assertThat(publisher.metrics().counter("batches.flushed.shutdown").getCount()).isGreaterThan(0);

        assertThatThrownBy(() -> publisher.publish(topic, "k", "too-late"))
                .isInstanceOf(PublishRejectedException.class)
                .hasMessageContaining("closed")
                .satisfies(e -> assertThat(((PublishRejectedException) e).reason())
                        .isEqualTo(PublishRejectedException.Reason.CLOSED));
        assertThat(publisher.tryPublish(topic, null, new byte[1])).isFalse();
        assertThat(publisher.close(Duration.ofSeconds(1))).isEqualTo(report);

        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic)).hasSize(150);
    }

    private static Throwable catchCause(CompletableFuture<?> future) {
        try {
            future.get();
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
