package dev.eventpublisher.batch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.lmax.disruptor.EventHandler;
import dev.eventpublisher.EndOfBatchPolicy;
import dev.eventpublisher.metrics.HdrHistogramReservoir;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.outcome.ByteBudget;
import dev.eventpublisher.outcome.Outcomes;
import dev.eventpublisher.ring.EventSlot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups events by topic and hands each group to the {@link BatchOutput} when it is due:
 * <ul>
 *   <li>{@code size}: the group reached its topic's batch size;</li>
 *   <li>{@code timeout}: a TICK found its oldest event older than the topic's batch timeout;</li>
 *   <li>{@code end_of_batch}: the batcher caught up with the ring (policy {@link EndOfBatchPolicy#FLUSH_ALL});</li>
 *   <li>{@code max_size}: pending events across all topics reached the max batch size (largest group goes);</li>
 *   <li>{@code forced} / {@code shutdown}: a FLUSH / SHUTDOWN command, followed by a barrier;</li>
 *   <li>{@code commit}: exactly-once mode, a transaction span is due ({@link CommitSpan}): every group goes,
 *       then a commit mark.</li>
 * </ul>
 *
 * <p>Single writer: all state is owned by the batcher thread; commands arrive through the ring in order
 * with the events, so there are no locks. Time is never read here: events carry their publish time and
 * ticks carry theirs, which lets tests drive the handler with a manual clock, event by event.
 */
public final class BatchingEventHandler implements EventHandler<EventSlot> {
    private static final Logger LOG = LoggerFactory.getLogger(BatchingEventHandler.class);
    /** Beyond this many known topics, a group that empties is forgotten (a client inventing topics must not grow memory). */
    static final int MAX_REMEMBERED_GROUPS = 10_000;

    private final TopicRules rules;
    private final EndOfBatchPolicy endOfBatchPolicy;
    private final BatchOutput output;
    private final Outcomes outcomes;
    private final PendingEvents pending;
    private final Map<String, TopicGroup> groups = new HashMap<>();
    /** Non-empty groups, so ticks and flushes never scan idle topics. */
    private final ArrayList<TopicGroup> active = new ArrayList<>();
    private final Counter[] flushedByTrigger;
    private final Histogram batchSizes;
    private final Counter errors;
    /** The pending count for other threads (status, timer); written with a cheap ordered store. */
    private final AtomicInteger pendingForReaders = new AtomicInteger();
    /** Exactly-once mode only (else null): the positions handed over since the last commit mark. */
    private final CommitSpan span;
    /** Whether a span is open, for the timer thread (it must keep ticking until the span is committed). */
    private final AtomicInteger spanOpenForReaders = new AtomicInteger();
    /** After SHUTDOWN, a late event is flushed at once instead of waiting for a trigger. */
    private boolean draining;
    /** The last event's topic and group: most streams repeat the same topic String instance. */
    private String lastTopic;
    private TopicGroup lastGroup;

    public BatchingEventHandler(TopicRules rules, int maxBatchSize, EndOfBatchPolicy endOfBatchPolicy,
                                BatchOutput output, Outcomes outcomes, MetricRegistry registry) {
        this(rules, maxBatchSize, endOfBatchPolicy, output, outcomes, registry, 0, 0);
    }

    /**
     * @param commitIntervalNanos exactly-once mode: put a commit mark behind the flushed events at least this
     *                            often while events arrive (0: no marks, at-least-once)
     * @param commitMaxEvents     ... or once a span holds this many events
     */
    public BatchingEventHandler(TopicRules rules, int maxBatchSize, EndOfBatchPolicy endOfBatchPolicy,
                                BatchOutput output, Outcomes outcomes, MetricRegistry registry,
                                long commitIntervalNanos, int commitMaxEvents) {
        this.span = commitIntervalNanos > 0 ? new CommitSpan(commitIntervalNanos, commitMaxEvents) : null;
        this.rules = rules;
        this.endOfBatchPolicy = endOfBatchPolicy;
        this.output = output;
        this.outcomes = outcomes;
        this.pending = new PendingEvents(maxBatchSize);
        this.flushedByTrigger = new Counter[FlushTrigger.values().length];
        for (FlushTrigger trigger : FlushTrigger.values()) {
            flushedByTrigger[trigger.ordinal()] = registry.counter(MetricNames.BATCHES_FLUSHED_PREFIX + trigger.metricName());
        }
        this.batchSizes = registry.histogram(MetricNames.BATCH_SIZE, () -> new Histogram(new HdrHistogramReservoir(60)));
        this.errors = registry.counter(MetricNames.ERRORS_BATCHER);
    }

    @Override
    public void onEvent(EventSlot slot, long sequence, boolean endOfBatch) {
        try {
            handle(slot);
        } catch (RuntimeException e) {
            errors.inc();
            LOG.error("batcher failed on {} at sequence {}; continuing", slot.kind(), sequence, e);
            if (slot.control() != null) {
                slot.control().completeExceptionally(e);
            }
        } finally {
            slot.clear();
        }
        if (endOfBatch && endOfBatchPolicy == EndOfBatchPolicy.FLUSH_ALL && !active.isEmpty()) {
            try {
                flushAll(FlushTrigger.END_OF_BATCH);
            } catch (RuntimeException e) {
                errors.inc();
                LOG.error("batcher failed to flush at end of batch; the groups stay pending", e);
            }
        }
        if (span != null && span.due()) {
            commit(FlushTrigger.COMMIT);
        }
        pendingForReaders.lazySet(pending.count());
    }

    /** Whether the timer should tick for the batcher: events pending, or a transaction span to commit. Any thread. */
    public boolean wantsTicks() {
        return pendingForReaders.get() > 0 || spanOpenForReaders.get() != 0;
    }

    /** Exactly-once: flush every group, then mark the span's end for the sender. */
    private void commit(FlushTrigger trigger) {
        try {
            flushAll(trigger);
            output.commit(span.close());
        } catch (RuntimeException e) {
            errors.inc();
            LOG.error("batcher failed to close a transaction span; it stays open", e);
        }
        spanOpenForReaders.lazySet(span.isOpen() ? 1 : 0);
    }

    /** Pending events across all topics, as last published by the batcher thread. Any thread. */
    public int pendingEvents() {
        return pendingForReaders.get();
    }

    private void handle(EventSlot slot) {
        switch (slot.kind()) {
            case EVENT -> onPublished(slot);
            case TICK -> {
                if (span != null) {
                    span.time(slot.nanos());
                }
                onTick(slot.nanos());
                output.tick();
            }
            case FLUSH -> {
                flushAllAndCommit(FlushTrigger.FORCED);
                output.barrier(slot.control());
            }
            case SHUTDOWN -> {
                flushAllAndCommit(FlushTrigger.SHUTDOWN);
                draining = true;
                output.barrier(slot.control());
            }
            case VOID -> {
                // claimed by a call that found the publisher closed; it was refused
            }
        }
    }

    private void flushAllAndCommit(FlushTrigger trigger) {
        if (span != null && span.isOpen()) {
            commit(trigger);
        } else {
            flushAll(trigger);
        }
    }

    private void onPublished(EventSlot slot) {
        TopicGroup group;
        try {
            group = groupFor(slot.topic());
        } catch (RuntimeException e) {
            outcomes.failUnsent(slot.future(), Outcomes.INTERNAL, e,
                    ByteBudget.eventBytes(slot.key(), slot.value(), slot.headers()));
            throw e;
        }
        pending.append(group, slot);
        if (span != null) {
            span.event(slot.position(), slot.nanos());
            spanOpenForReaders.lazySet(1);
        }
        if (group.activeIndex < 0) {
            group.activeIndex = active.size();
            active.add(group);
        }
        if (draining) {
            flushAllAndCommit(FlushTrigger.SHUTDOWN);
        } else if (group.count >= group.batchSize) {
            flush(group, FlushTrigger.SIZE);
        } else if (pending.isFull()) {
            flush(largestGroup(), FlushTrigger.MAX_SIZE);
        }
    }

    private void onTick(long nowNanos) {
        // Backwards: a flush swap-removes the group, moving the last (already visited) one into its place.
        for (int i = active.size() - 1; i >= 0; i--) {
            TopicGroup group = active.get(i);
            if (nowNanos - group.oldestNanos >= group.timeoutNanos) {
                flush(group, FlushTrigger.TIMEOUT);
            }
        }
    }

    private void flushAll(FlushTrigger trigger) {
        for (int i = active.size() - 1; i >= 0; i--) {
            flush(active.get(i), trigger);
        }
    }

    private void flush(TopicGroup group, FlushTrigger trigger) {
        int size = group.count;
        output.flush(pending.viewOf(group), trigger);
        pending.release(group);
        deactivate(group);
        flushedByTrigger[trigger.ordinal()].inc();
        batchSizes.update(size);
    }

    private void deactivate(TopicGroup group) {
        int index = group.activeIndex;
        TopicGroup last = active.remove(active.size() - 1);
        if (last != group) {
            active.set(index, last);
            last.activeIndex = index;
        }
        group.activeIndex = -1;
        if (groups.size() > MAX_REMEMBERED_GROUPS) {
            groups.remove(group.topic);
            if (lastGroup == group) {
                lastTopic = null;
                lastGroup = null;
            }
        }
    }

    /** Topic groups currently remembered (tests). */
    int rememberedGroups() {
        return groups.size();
    }

    private TopicGroup largestGroup() {
        TopicGroup largest = active.get(0);
        for (int i = 1; i < active.size(); i++) {
            if (active.get(i).count > largest.count) {
                largest = active.get(i);
            }
        }
        return largest;
    }

    private TopicGroup groupFor(String topic) {
        if (topic == lastTopic && lastGroup != null) {
            return lastGroup;
        }
        TopicGroup group = groups.get(topic);
        if (group == null) {
            group = new TopicGroup(topic, rules.forTopic(topic));
            groups.put(topic, group);
        }
        lastTopic = topic;
        lastGroup = group;
        return group;
    }
}
