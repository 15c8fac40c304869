package dev.eventpublisher.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.EndOfBatchPolicy;
import dev.eventpublisher.PublishFailedException;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.outcome.Outcomes;
import dev.eventpublisher.ring.EventSlot;
import dev.eventpublisher.ring.SlotKind;
import dev.eventpublisher.sender.EventFuture;
import org.junit.jupiter.api.Test;

/**
 * The batcher driven event by event: a manual clock (events and ticks carry explicit times), a
 * recording output, no threads and no sleeps.
 */
class BatchingEventHandlerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final MetricRegistry registry = new MetricRegistry();
    private final Outcomes outcomes = new Outcomes(registry, () -> 0L);
    private final RecordingOutput output = new RecordingOutput();
    private long sequence;

    private BatchingEventHandler handler(int batchSize, long timeoutMs, int maxBatchSize, EndOfBatchPolicy policy) {
        return handler(batchSize, timeoutMs, maxBatchSize, policy, Map.of());
    }

    private BatchingEventHandler handler(int batchSize, long timeoutMs, int maxBatchSize, EndOfBatchPolicy policy,
                                         Map<String, TopicRules.Rule> overrides) {
        TopicRules rules = new TopicRules(new TopicRules.Rule(batchSize, timeoutMs * MS), overrides);
        return new BatchingEventHandler(rules, maxBatchSize, policy, output, outcomes, registry);
    }

    /** Delivers one event; {@code endOfBatch} false unless said, as when more events are in the ring. */
    private void event(BatchingEventHandler handler, String topic, String value, long atMs, boolean endOfBatch) {
        EventSlot slot = new EventSlot();
        slot.event(topic, null, value.getBytes(StandardCharsets.UTF_8), null, null, atMs * MS);
        handler.onEvent(slot, sequence++, endOfBatch);
    }

    private void event(BatchingEventHandler handler, String topic, String value, long atMs) {
        event(handler, topic, value, atMs, false);
    }

    private void command(BatchingEventHandler handler, SlotKind kind, CompletableFuture<Void> control, long atMs) {
        EventSlot slot = new EventSlot();
        slot.control(kind, control, atMs * MS);
        handler.onEvent(slot, sequence++, false);
    }

    private long flushed(FlushTrigger trigger) {
        return registry.counter(MetricNames.BATCHES_FLUSHED_PREFIX + trigger.metricName()).getCount();
    }

    /** Exactly-once: a journalled event at {@code position}. */
    private void journalled(BatchingEventHandler handler, String topic, long position, long atMs, boolean endOfBatch) {
        EventSlot slot = new EventSlot();
        slot.event(topic, null, ("p" + position).getBytes(StandardCharsets.UTF_8), null, null, atMs * MS);
        slot.journalled(position);
        handler.onEvent(slot, sequence++, endOfBatch);
    }

    @Test
    void shouldPutTheCommitMarkBehindEveryGroupOnceTheSpanIsDue() {
        // Topic a flushes at 2 events, b would wait for 100: a mark must not be put while b still holds position 1.
        BatchingEventHandler handler = new BatchingEventHandler(new TopicRules(new TopicRules.Rule(100, 10_000 * MS),
                Map.of("a", new TopicRules.Rule(2, 10_000 * MS))), 200, EndOfBatchPolicy.SIZE_OR_TIMEOUT, output, outcomes,
                registry, 100 * MS, 1_000);
        journalled(handler, "a", 0, 0, false);
        journalled(handler, "b", 1, 10, false);
        journalled(handler, "a", 2, 20, true);
        assertThat(output.log).containsExactly("flush a");
        assertThat(handler.wantsTicks()).isTrue();

        command(handler, SlotKind.TICK, null, 99);
        assertThat(output.log).containsExactly("flush a");
        command(handler, SlotKind.TICK, null, 100);
        assertThat(output.log).containsExactly("flush a", "flush b", "commit 3");
        assertThat(flushed(FlushTrigger.COMMIT)).isEqualTo(1);
        assertThat(handler.wantsTicks()).as("nothing pending, no span open").isFalse();

        // The next span opens with its first event and is timed from it; a forced flush commits before its barrier.
        journalled(handler, "b", 3, 150, false);
        command(handler, SlotKind.TICK, null, 240);
        assertThat(output.log).hasSize(3);
        CompletableFuture<Void> barrier = new CompletableFuture<>();
        command(handler, SlotKind.FLUSH, barrier, 241);
        assertThat(output.log.subList(3, output.log.size())).containsExactly("flush b", "commit 4", "barrier");
    }

    @Test
    void shouldCommitASpanOnceItHoldsTheMaximumNumberOfEvents() {
        BatchingEventHandler handler = new BatchingEventHandler(new TopicRules(new TopicRules.Rule(100, 10_000 * MS), Map.of()),
                200, EndOfBatchPolicy.FLUSH_ALL, output, outcomes, registry, 10_000 * MS, 3);
        for (int p = 0; p < 7; p++) {
            journalled(handler, "t", p, 0, false);
        }
        assertThat(output.log).containsExactly("flush t", "commit 3", "flush t", "commit 6");
        journalled(handler, "t", 7, 1, true);
        assertThat(output.log).as("end of batch flushes, the span stays open").hasSize(5).endsWith("flush t");
        assertThat(handler.wantsTicks()).isTrue();
    }

    @Test
    void shouldFlushAGroupWhenItReachesTheBatchSize() {
        BatchingEventHandler handler = handler(3, 1000, 10, EndOfBatchPolicy.SIZE_OR_TIMEOUT);

        event(handler, "orders", "o1", 0);
        event(handler, "orders", "o2", 0);
        assertThat(output.flushes).isEmpty();
        assertThat(handler.pendingEvents()).isEqualTo(2);

        event(handler, "orders", "o3", 0);

        assertThat(output.flushes).containsExactly(new Flush("orders", List.of("o1", "o2", "o3"), FlushTrigger.SIZE));
        assertThat(handler.pendingEvents()).isZero();
        assertThat(flushed(FlushTrigger.SIZE)).isEqualTo(1);
        assertThat(registry.histogram(MetricNames.BATCH_SIZE).getSnapshot().getMax()).isEqualTo(3);
    }

    @Test
    void shouldFlushOnATickOnlyGroupsOlderThanTheirTimeout() {
        BatchingEventHandler handler = handler(100, 500, 200, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        event(handler, "old", "a", 0);
        event(handler, "young", "b", 300);

        command(handler, SlotKind.TICK, null, 499);
        assertThat(output.flushes).isEmpty();

        command(handler, SlotKind.TICK, null, 500);
        assertThat(output.flushes).containsExactly(new Flush("old", List.of("a"), FlushTrigger.TIMEOUT));

        command(handler, SlotKind.TICK, null, 800);
        assertThat(output.flushes).last().isEqualTo(new Flush("young", List.of("b"), FlushTrigger.TIMEOUT));
        assertThat(flushed(FlushTrigger.TIMEOUT)).isEqualTo(2);
        assertThat(handler.pendingEvents()).isZero();
    }

    @Test
    void shouldCountTheTimeoutFromTheOldestPendingEvent() {
        BatchingEventHandler handler = handler(100, 500, 200, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        event(handler, "t", "first", 100);
        event(handler, "t", "second", 550);

        command(handler, SlotKind.TICK, null, 600);

        assertThat(output.flushes).containsExactly(new Flush("t", List.of("first", "second"), FlushTrigger.TIMEOUT));
    }

    @Test
    void shouldFlushEverythingAtEndOfBatchUnderTheFlushAllPolicy() {
        BatchingEventHandler handler = handler(100, 500, 200, EndOfBatchPolicy.FLUSH_ALL);
        event(handler, "a", "a1", 0);
        event(handler, "b", "b1", 0);
        assertThat(output.flushes).isEmpty();

        event(handler, "a", "a2", 0, true);

        assertThat(output.flushes).containsExactlyInAnyOrder(
                new Flush("a", List.of("a1", "a2"), FlushTrigger.END_OF_BATCH),
                new Flush("b", List.of("b1"), FlushTrigger.END_OF_BATCH));
        assertThat(flushed(FlushTrigger.END_OF_BATCH)).isEqualTo(2);
    }

    @Test
    void shouldKeepGroupsAtEndOfBatchUnderTheSizeOrTimeoutPolicy() {
        BatchingEventHandler handler = handler(100, 500, 200, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        event(handler, "a", "a1", 0, true);
        event(handler, "b", "b1", 0, true);

        assertThat(output.flushes).isEmpty();
        assertThat(handler.pendingEvents()).isEqualTo(2);
    }

    @Test
    void shouldNeverHoldMoreThanTheMaxBatchSizeAcrossTopics() {
        BatchingEventHandler handler = handler(5, 1000, 6, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        event(handler, "a", "a1", 0);
        event(handler, "b", "b1", 0);
        event(handler, "b", "b2", 0);
        event(handler, "c", "c1", 0);
        event(handler, "b", "b3", 0);
        assertThat(output.flushes).isEmpty();

        event(handler, "a", "a2", 0); // sixth pending event: the cap

        assertThat(output.flushes).containsExactly(new Flush("b", List.of("b1", "b2", "b3"), FlushTrigger.MAX_SIZE));
        assertThat(handler.pendingEvents()).isEqualTo(3);
        assertThat(flushed(FlushTrigger.MAX_SIZE)).isEqualTo(1);

        // Many topics, one event each: pending never passes the cap.
        for (int i = 0; i < 100; i++) {
            event(handler, "topic-" + i, "x" + i, 0);
            assertThat(handler.pendingEvents()).isLessThan(6);
        }
    }

    @Test
    void shouldGroupByTopicAndKeepPublishOrderWithinEachGroup() {
        BatchingEventHandler handler = handler(3, 1000, 100, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        event(handler, "x", "x1", 0);
        event(handler, "y", "y1", 0);
        event(handler, "x", "x2", 0);
        event(handler, "y", "y2", 0);
        event(handler, "x", "x3", 0);
        event(handler, "y", "y3", 0);

        assertThat(output.flushes).containsExactly(
                new Flush("x", List.of("x1", "x2", "x3"), FlushTrigger.SIZE),
                new Flush("y", List.of("y1", "y2", "y3"), FlushTrigger.SIZE));
    }

    @Test
    void shouldApplyPerTopicBatchSizeAndTimeoutOverrides() {
        BatchingEventHandler handler = handler(10, 1000, 100, EndOfBatchPolicy.SIZE_OR_TIMEOUT,
                Map.of("fast", new TopicRules.Rule(2, 50 * MS)));
        event(handler, "fast", "f1", 0);
        event(handler, "slow", "s1", 0);
        event(handler, "fast", "f2", 0);
        assertThat(output.flushes).containsExactly(new Flush("fast", List.of("f1", "f2"), FlushTrigger.SIZE));

        event(handler, "fast", "f3", 10);
        command(handler, SlotKind.TICK, null, 60);
        assertThat(output.flushes).last().isEqualTo(new Flush("fast", List.of("f3"), FlushTrigger.TIMEOUT));
        assertThat(handler.pendingEvents()).isEqualTo(1); // "slow" keeps the 1000 ms default

        command(handler, SlotKind.TICK, null, 1000);
        assertThat(output.flushes).last().isEqualTo(new Flush("slow", List.of("s1"), FlushTrigger.TIMEOUT));
    }

    @Test
    void shouldFlushEveryGroupThenPlaceABarrierOnForceFlush() {
        BatchingEventHandler handler = handler(10, 1000, 100, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        event(handler, "a", "a1", 0);
        event(handler, "b", "b1", 0);
        CompletableFuture<Void> flushed = new CompletableFuture<>();

        command(handler, SlotKind.FLUSH, flushed, 1);

        assertThat(output.flushes).containsExactlyInAnyOrder(
                new Flush("a", List.of("a1"), FlushTrigger.FORCED),
                new Flush("b", List.of("b1"), FlushTrigger.FORCED));
        assertThat(output.log).last().isEqualTo("barrier");
        assertThat(output.barriers).containsExactly(flushed);
        assertThat(handler.pendingEvents()).isZero();
    }

    @Test
    void shouldFlushEverythingOnShutdownAndThenFlushLateEventsAtOnce() {
        BatchingEventHandler handler = handler(10, 1000, 100, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        event(handler, "a", "a1", 0);
        CompletableFuture<Void> drained = new CompletableFuture<>();

        command(handler, SlotKind.SHUTDOWN, drained, 1);
        assertThat(output.flushes).containsExactly(new Flush("a", List.of("a1"), FlushTrigger.SHUTDOWN));
        assertThat(output.barriers).containsExactly(drained);

        event(handler, "a", "late", 2);
        assertThat(output.flushes).last().isEqualTo(new Flush("a", List.of("late"), FlushTrigger.SHUTDOWN));
        assertThat(flushed(FlushTrigger.SHUTDOWN)).isEqualTo(2);
    }

    @Test
    void shouldClearEachRingSlotAfterReadingIt() {
        BatchingEventHandler handler = handler(10, 1000, 100, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        EventSlot slot = new EventSlot();
        slot.event("a", new byte[1], new byte[1], null, new EventFuture("a", 0, outcomes), 0);

        handler.onEvent(slot, 0, false);

        assertThat(slot.kind()).isNull();
        assertThat(slot.value()).isNull();
        assertThat(slot.future()).isNull();
    }

    @Test
    void shouldKeepEventsPendingAndCarryOnWhenTheOutputFails() {
        BatchingEventHandler handler = handler(2, 1000, 100, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        output.failNext = true;
        event(handler, "a", "a1", 0);
        event(handler, "a", "a2", 0); // size flush fails

        assertThat(registry.counter(MetricNames.ERRORS_BATCHER).getCount()).isEqualTo(1);
        assertThat(handler.pendingEvents()).isEqualTo(2);

        event(handler, "a", "a3", 0); // the next trigger flushes all three

        assertThat(output.flushes).containsExactly(new Flush("a", List.of("a1", "a2", "a3"), FlushTrigger.SIZE));
    }

    @Test
    void shouldFailAControlFutureTheBatcherCouldNotHonour() {
        BatchingEventHandler handler = handler(10, 1000, 100, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        event(handler, "a", "a1", 0);
        output.failNext = true;
        CompletableFuture<Void> flushed = new CompletableFuture<>();

        command(handler, SlotKind.FLUSH, flushed, 1);

        assertThat(flushed).isCompletedExceptionally();
    }

    @Test
    void shouldFailAnEventWithoutTopicGroupAsInternalInsteadOfLosingIt() {
        BatchingEventHandler handler = handler(10, 1000, 100, EndOfBatchPolicy.SIZE_OR_TIMEOUT);
        EventSlot slot = new EventSlot();
        EventFuture future = new EventFuture(null, 0, outcomes);
        slot.event(null, null, new byte[1], null, future, 0); // a null topic cannot be grouped (HashMap allows it, the rule lookup does not)

        handler.onEvent(slot, 0, false);

        assertThat(future).failsWithin(java.time.Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(PublishFailedException.class);
        assertThat(outcomes.report().failedByReason()).containsEntry(Outcomes.INTERNAL, 1L);
    }

    @Test
    void shouldForgetEmptyGroupsOnceItKnowsTooManyTopics() {
        BatchingEventHandler handler = handler(10, 1000, 100, EndOfBatchPolicy.FLUSH_ALL);
        int topics = BatchingEventHandler.MAX_REMEMBERED_GROUPS * 2;
        for (int i = 0; i < topics; i++) {
            event(handler, "topic-" + i, "v", 0, true); // each flushed at once, leaving its group empty
        }

        assertThat(output.flushes).hasSize(topics);
        assertThat(handler.rememberedGroups()).isLessThanOrEqualTo(BatchingEventHandler.MAX_REMEMBERED_GROUPS + 1);
        event(handler, "topic-0", "again", 0, true);
        assertThat(output.flushes).last().isEqualTo(new Flush("topic-0", List.of("again"), FlushTrigger.END_OF_BATCH));
    }

    record Flush(String topic, List<String> values, FlushTrigger trigger) {
    }

    /** Records what the batcher hands over, copying the values (the view is reused). */
    static final class RecordingOutput implements BatchOutput {
        final List<Flush> flushes = new ArrayList<>();
        final List<CompletableFuture<Void>> barriers = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        boolean failNext;

        @Override
        public void flush(FlushedGroup group, FlushTrigger trigger) {
            failIfAsked();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < group.size(); i++) {
                values.add(new String(group.value(i), StandardCharsets.UTF_8));
            }
            flushes.add(new Flush(group.topic(), values, trigger));
            log.add("flush " + group.topic());
        }

        @Override
        public void commit(long nextPosition) {
            log.add("commit " + nextPosition);
        }

        @Override
        public void barrier(CompletableFuture<Void> done) {
            failIfAsked();
            barriers.add(done);
            log.add("barrier");
        }

        private void failIfAsked() {
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("output failure for the test");
            }
        }
    }
}
