package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.sender.BatchSender;
import dev.eventpublisher.sender.Delivery;
import dev.eventpublisher.sender.DiscardingBatchSender;
import dev.eventpublisher.sender.OutgoingBatch;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/** The threaded pipeline with hand-written senders: barriers, close deadlines, loop errors, accounting. */
class PipelineTest {

    /** Keeps every delivery without completing it, like a Kafka that has not answered yet. */
    static final class HoldingSender implements BatchSender {
        final List<Delivery> held = new CopyOnWriteArrayList<>();
        final List<String> values = new CopyOnWriteArrayList<>();

        @Override
        public void send(OutgoingBatch batch) {
            for (int i = 0; i < batch.size(); i++) {
                held.add(batch.delivery(i));
                values.add(new String(batch.value(i), StandardCharsets.UTF_8));
            }
        }

        @Override
        public void close(Duration timeout) {
            // Like KafkaProducer.close: whatever is still unanswered fails.
            held.forEach(d -> d.fail(new KafkaException("Producer is closed forcefully.")));
        }

        void acknowledge(int index) {
            held.get(index).acknowledge(0, index);
        }
    }

    private static EventPublisher publisher(BatchSender sender) {
        return EventPublisher.builder().batchSender(sender)
                .batchSize(10).maxBatchSize(100).batchTimeout(Duration.ofHours(1))
                .endOfBatchPolicy(EndOfBatchPolicy.SIZE_OR_TIMEOUT)
                .build();
    }

    @Test
    void shouldCompleteForceFlushOnlyOnceEveryEarlierEventHasItsOutcome() throws Exception {
        HoldingSender sender = new HoldingSender();
        try (EventPublisher publisher = publisher(sender)) {
            for (int i = 0; i < 5; i++) {
                publisher.publish("t", "k", "v" + i);
            }
            CompletableFuture<Void> flushed = publisher.forceFlush();
            await().atMost(Duration.ofSeconds(10)).until(() -> sender.held.size() == 5);
            assertThat(publisher.metrics().counter("batches.flushed.forced").getCount()).isEqualTo(1);

            for (int i = 0; i < 4; i++) {
                sender.acknowledge(i);
            }
            assertThat(flushed).isNotDone();

            sender.acknowledge(4);
            flushed.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldCompleteALaterFlushOnlyAfterEarlierEventsEvenWhenItsOwnFinishFirst() throws Exception {
        HoldingSender sender = new HoldingSender();
        try (EventPublisher publisher = publisher(sender)) {
            publisher.publish("t", "k", "first");
            CompletableFuture<Void> firstFlush = publisher.forceFlush();
            publisher.publish("t", "k", "second");
            CompletableFuture<Void> secondFlush = publisher.forceFlush();
            await().atMost(Duration.ofSeconds(10)).until(() -> sender.held.size() == 2);

            sender.acknowledge(1);
            assertThat(secondFlush).isNotDone();
            assertThat(firstFlush).isNotDone();

            sender.acknowledge(0);
            firstFlush.get(10, TimeUnit.SECONDS);
            secondFlush.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldFailWhatKafkaDidNotAnswerByTheCloseDeadlineWithReasonShutdown() {
        HoldingSender sender = new HoldingSender();
        EventPublisher publisher = publisher(sender);
        List<CompletableFuture<PublishResult>> futures = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            futures.add(publisher.publish("t", "k", "v" + i));
        }

        OutcomeReport report = publisher.close(Duration.ofMillis(300));

        assertThat(report.accepted()).isEqualTo(25);
        assertThat(report.acknowledged()).isZero();
        assertThat(report.failedByReason()).containsExactly(java.util.Map.entry("shutdown", 25L));
        assertThat(report.unresolved()).isZero();
        assertThat(futures).allSatisfy(f -> assertThat(f).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(PublishFailedException.class)
                .withMessageContaining("(shutdown)"));
    }

    @Test
    void shouldFailTheBatchOfAThrowingSenderAsInternalAndKeepSending() throws Exception {
        BatchSender flaky = new BatchSender() {
            private boolean failed;

            @Override
            public void send(OutgoingBatch batch) {
                if (!failed) {
                    failed = true;
                    throw new IllegalStateException("sender bug for the test");
                }
                new DiscardingBatchSender().send(batch);
            }

            @Override
            public void close(Duration timeout) {
            }
        };
        try (EventPublisher publisher = publisher(flaky)) {
            CompletableFuture<PublishResult> first = publisher.publish("t", "k", "first");
            publisher.forceFlush().get(10, TimeUnit.SECONDS);
            CompletableFuture<PublishResult> second = publisher.publish("t", "k", "second");
            publisher.forceFlush().get(10, TimeUnit.SECONDS);

            assertThat(first).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .withMessageContaining("(internal)");
            assertThat(second.get()).extracting(PublishResult::topic, PublishResult::partition, PublishResult::offset)
                    .containsExactly("t", -1, -1L);
            assertThat(publisher.metrics().counter(MetricNames.ERRORS_SENDER).getCount()).isEqualTo(1);
            assertThat(publisher.outcomes().failedByReason()).containsEntry("internal", 1L);
        }
    }

    @Test
    void shouldGiveEveryAcceptedEventOneOutcomeUnderConcurrentPublishing() throws Exception {
        EventPublisher publisher = EventPublisher.builder().batchSender(new DiscardingBatchSender())
                .ringSize(1024).backpressure(Backpressure.BLOCK).blockTimeout(Duration.ofSeconds(30)).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<List<CompletableFuture<PublishResult>>>> results = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            results.add(pool.submit(() -> {
                List<CompletableFuture<PublishResult>> mine = new ArrayList<>();
                for (int i = 0; i < 50_000; i++) {
                    mine.add(publisher.publish("t" + (i % 5), null, new byte[] {1}));
                }
                return mine;
            }));
        }
        List<CompletableFuture<PublishResult>> all = new ArrayList<>();
        for (Future<List<CompletableFuture<PublishResult>>> r : results) {
            all.addAll(r.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();

        OutcomeReport report = publisher.close(Duration.ofSeconds(30));

        assertThat(report.accepted()).isEqualTo(200_000);
        assertThat(report.acknowledged()).isEqualTo(200_000);
        assertThat(all).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(publisher.metrics().histogram(MetricNames.EVENTS_LATENCY_NANOS).getCount()).isEqualTo(200_000);
        long batches = publisher.metrics().getCounters().entrySet().stream()
                .filter(e -> e.getKey().startsWith(MetricNames.BATCHES_FLUSHED_PREFIX))
                .mapToLong(e -> e.getValue().getCount()).sum();
        assertThat(batches).isGreaterThan(0).isLessThanOrEqualTo(200_000);
    }

    @Test
    void shouldFlushByTimeoutThroughTheTimerThread() {
        HoldingSender sender = new HoldingSender();
        try (EventPublisher publisher = EventPublisher.builder().batchSender(sender)
                .batchSize(100).batchTimeout(Duration.ofMillis(50))
                .endOfBatchPolicy(EndOfBatchPolicy.SIZE_OR_TIMEOUT).build()) {
            publisher.publish("t", "k", "lonely");

            await().atMost(Duration.ofSeconds(10)).until(() -> sender.values.contains("lonely"));
            assertThat(publisher.metrics().counter("batches.flushed.timeout").getCount()).isEqualTo(1);
            sender.acknowledge(0);
        }
    }

    @Test
    void shouldReportBatchStatusInTheSeedsTerms() {
        HoldingSender sender = new HoldingSender();
        try (EventPublisher publisher = publisher(sender)) {
            BatchStatus idle = publisher.batchStatus();
            assertThat(idle).isEqualTo(new BatchStatus(0, 10, Duration.ofHours(1), 100, false));

            publisher.publish("t", "k", "v");
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.batchStatus().pendingEvents() == 1);
            assertThat(publisher.batchStatus().hasScheduledFlush()).isTrue();
            publisher.forceFlush();
            await().atMost(Duration.ofSeconds(10)).until(() -> sender.held.size() == 1);
            sender.acknowledge(0);
        }
    }

    @Test
    void shouldNameItsThreadsAndStopThemOnClose() {
        EventPublisher publisher = EventPublisher.builder().batchSender(new DiscardingBatchSender()).name("orders").build();
        publisher.publish("t", "k", "v");
        Set<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toSet());
        assertThat(names).contains("orders-batcher", "orders-sender", "orders-timer");

        publisher.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("orders-")));
    }

    @Test
    void shouldReturnTheSameReportToConcurrentClosers() throws Exception {
        EventPublisher publisher = EventPublisher.builder().batchSender(new DiscardingBatchSender()).build();
        publisher.publish("t", "k", "v");
        CompletableFuture<OutcomeReport> other = CompletableFuture.supplyAsync(() -> publisher.close(Duration.ofSeconds(10)));
        OutcomeReport mine = publisher.close(Duration.ofSeconds(10));

        assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo(mine);
        assertThat(mine.acknowledged()).isEqualTo(1);
        assertThat(publisher.isClosed()).isTrue();
        assertThat(publisher.forceFlush()).succeedsWithin(Duration.ofSeconds(1));
    }

    @Test
    void shouldAcceptAllOrNoneOfAPublishAll() throws Exception {
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        List<String> sent = new CopyOnWriteArrayList<>();
        BatchSender gated = new BatchSender() {
            @Override
            public void send(OutgoingBatch batch) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int i = 0; i < batch.size(); i++) {
                    sent.add(new String(batch.value(i), StandardCharsets.UTF_8));
                }
                new DiscardingBatchSender().send(batch);
            }

            @Override
            public void close(Duration timeout) {
                gate.countDown();
            }
        };
        EventPublisher publisher = EventPublisher.builder().batchSender(gated)
                .ringSize(64).batchSize(8).maxBatchSize(8).backpressure(Backpressure.REJECT).build();
        List<Event> ten = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ten.add(new Event("t", null, ("first-" + i).getBytes(StandardCharsets.UTF_8), null));
        }
        List<CompletableFuture<PublishResult>> first = publisher.publishAll(ten);
        assertThat(first).hasSize(10);
        // Fill the ring while the sender is stalled, until it stays full (the batcher looks lazily).
        while (publisher.tryPublish("t", null, "filler".getBytes(StandardCharsets.UTF_8))) {
            // fill
        }
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> !publisher.tryPublish("t", null, "filler".getBytes(StandardCharsets.UTF_8)));
        long acceptedBefore = publisher.outcomes().accepted();
        long rejectedBefore = publisher.outcomes().rejected();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> publisher.publishAll(ten.subList(0, 5)))
                .isInstanceOf(PublishRejectedException.class)
                .satisfies(e -> assertThat(((PublishRejectedException) e).reason())
                        .isEqualTo(PublishRejectedException.Reason.RING_FULL));
        assertThat(publisher.outcomes().accepted()).isEqualTo(acceptedBefore);
        assertThat(publisher.outcomes().rejected()).isEqualTo(rejectedBefore + 5);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> publisher.publishAll(java.util.Collections.nCopies(65, ten.get(0))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid events.size=65");

        gate.countDown();
        OutcomeReport report = publisher.close(Duration.ofSeconds(10));
        assertThat(report.acknowledged()).isEqualTo(acceptedBefore);
        assertThat(first).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(sent.subList(0, 10)).containsExactly("first-0", "first-1", "first-2", "first-3", "first-4",
                "first-5", "first-6", "first-7", "first-8", "first-9");
    }
}
