package dev.eventpublisher;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import com.codahale.metrics.MetricRegistry;
import com.lmax.disruptor.RingBuffer;
import dev.eventpublisher.journal.Acceptance;
import dev.eventpublisher.journal.Journal;
import dev.eventpublisher.journal.ReplayStart;
import dev.eventpublisher.outcome.ByteBudget;
import dev.eventpublisher.outcome.Outcomes;
import dev.eventpublisher.ring.Admission;
import dev.eventpublisher.ring.EventSlot;
import dev.eventpublisher.ring.SlotKind;
import dev.eventpublisher.sender.BatchSender;
import dev.eventpublisher.sender.EventFuture;
import dev.eventpublisher.sender.KafkaBatchSender;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes events to Kafka through a ring buffer, a topic batcher and a single sender thread.
 *
 * <pre>{@code
 * try (EventPublisher publisher = EventPublisher.builder()
 *         .bootstrapServers("127.0.0.1:9092")
 *         .batchSize(50).batchTimeout(Duration.ofMillis(500)).maxBatchSize(200)
 *         .build()) {
 *     publisher.publish("ProductCreated", key, value)
 *              .whenComplete((result, error) -> ...);     // partition/offset, or PublishFailedException
 *     boolean accepted = publisher.tryPublish("ProductUpdated", key, value);  // never waits
 *     publisher.forceFlush().join();                      // everything accepted so far has its outcome
 * }                                                       // close(): drain, then report
 * }</pre>
 *
 * <p>Guarantees: {@code publish} never waits on Kafka, only on a full ring as the {@link Backpressure}
 * policy says; a refused event throws {@link PublishRejectedException} (or makes {@code tryPublish}
 * return false) and was never accepted. Every accepted event ends exactly once: acknowledged with its
 * partition and offset, or failed with a reason. Events one thread publishes to one topic reach each
 * partition in publish order.
 *
 * <p>With a journal ({@link EventPublisherBuilder#journal}), an event is accepted once it is in the
 * journal ({@link PublishFuture#accepted()}); it then survives a crash, is sent again after any failure
 * that is not its own, and a publisher started later on the same directory replays whatever Kafka had
 * not acknowledged.
 *
 * <p>Thread-safe: any number of threads may publish concurrently.
 */
public final class EventPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
    /** After the close deadline, how long the forced drain may take (a blocked Kafka send returning). */
    private static final long FORCED_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final int MAX_REMEMBERED_TOPICS = 10_000;

    private final PublisherSettings settings;
    private final BatchSender sender;
    private final MetricRegistry registry;
    private final LongSupplier clock;
    private final Outcomes outcomes;
    private final Pipeline pipeline;
    private final RingBuffer<EventSlot> ring;
    private final Admission admission;
    /** Null without a journal. */
    private final Journal journal;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<OutcomeReport> closed = new CompletableFuture<>();
    private final Set<String> validTopics = ConcurrentHashMap.newKeySet();
    private String lastValidTopic;
    private final EventSizeLimit sizeLimit;

    EventPublisher(PublisherSettings settings, BatchSender sender, MetricRegistry registry, LongSupplier clock,
                   Journal journal) {
        this.settings = settings;
        this.sender = sender;
        this.registry = registry;
        this.clock = clock;
        this.journal = journal;
        this.sizeLimit = sender instanceof KafkaBatchSender ? EventSizeLimit.of(settings.producerProperties())
                : EventSizeLimit.none();
        this.outcomes = new Outcomes(registry, clock, new ByteBudget(settings.maxBytes()));
        if (journal != null) {
            outcomes.journal(journal::done);
        }
        ReplayStart start = ReplayStart.JOURNAL_MARK;
        if (settings.exactlyOnce() != null && sender instanceof KafkaBatchSender kafka) {
            journal.holdUntilReplayed();
            start = kafka::startExactlyOnce;
        }
        try {
            this.pipeline = new Pipeline(settings, sender, outcomes, registry, clock, journal);
        } catch (RuntimeException e) {
            sender.close(Duration.ZERO);
            throw e;
        }
        this.ring = pipeline.ring;
        this.admission = pipeline.admission;
        if (journal != null && journal.isReplaying()) {
            journal.replay(ring, admission, outcomes, clock, settings.name(), start);
        }
    }

    public static EventPublisherBuilder builder() {
        return new EventPublisherBuilder();
    }

    /**
     * Publishes an event. Returns once the event is in the ring; the future completes when Kafka
     * acknowledges it, or exceptionally with {@link PublishFailedException}.
     *
     * @param key     may be null (Kafka then spreads events over partitions)
     * @param value   may be null (a tombstone)
     * @param headers may be null
     * @throws PublishRejectedException if the ring is full (per the backpressure policy) or the publisher closed
     * @throws IllegalArgumentException if the topic is not a legal Kafka topic name
     * @throws EventTooLargeException if the event is larger than Kafka's producer takes ({@link #sizeLimit()})
     */
    public PublishFuture publish(String topic, byte[] key, byte[] value, Iterable<Header> headers) {
        checkTopic(topic);
        sizeLimit.check(topic, key, value, headers);
        long now = clock.getAsLong();
        Acceptance acceptance = journal == null ? null : new Acceptance();
        long bytes = ByteBudget.eventBytes(key, value, headers);
        EventFuture future = new EventFuture(topic, now, outcomes, acceptance, bytes);
        long refused = offer(topic, key, value, headers, bytes, future, acceptance, now, true);
        if (refused != 0) {
            throw rejection(refused, 1);
        }
        return future;
    }

    public PublishFuture publish(String topic, byte[] key, byte[] value) {
        return publish(topic, key, value, null);
    }

    /** Publishes UTF-8 strings; see {@link #publish(String, byte[], byte[], Iterable)}. */
    public PublishFuture publish(String topic, String key, String value) {
        return publish(topic, utf8(key), utf8(value), null);
    }

    /**
     * Publishes several events, all or none: either every event is accepted (in list order, one
     * future each, in the same order) or none is and {@link PublishRejectedException} is thrown.
     * Every topic is checked before anything is accepted. With a journal the futures are
     * {@link PublishFuture}s whose {@link PublishFuture#accepted()} complete together: the journal takes or
     * refuses the call whole.
     *
     * @throws IllegalArgumentException if a topic is illegal, or there are more events than ring slots
     * @throws EventTooLargeException if an event is larger than Kafka's producer takes ({@link #sizeLimit()})
     */
    public List<CompletableFuture<PublishResult>> publishAll(List<Event> events) {
        int n = events.size();
        if (n == 0) {
            return List.of();
        }
        if (n > settings.ringSize()) {
            throw new IllegalArgumentException("invalid events.size=" + n + ": at most ringSize (" + settings.ringSize()
                    + ") events can be published at once");
        }
        for (int i = 0; i < n; i++) {
            Event e = events.get(i);
            checkTopic(e.topic());
            sizeLimit.check(e.topic(), e.key(), e.value(), e.headers());
        }
        List<CompletableFuture<PublishResult>> futures = new ArrayList<>(n);
        long callBytes = 0;
        long[] heldBytes = new long[n];
        long callHeld = 0;
        for (int i = 0; i < n; i++) {
            Event e = events.get(i);
            heldBytes[i] = ByteBudget.eventBytes(e.key(), e.value(), e.headers());
            callHeld += heldBytes[i];
            if (journal != null) {
                callBytes += Journal.recordBytes(e.topic(), e.key(), e.value(), e.headers());
            }
        }
        long hi = takeBytes(callHeld, true);
        if (hi == 0) {
            hi = admission.claim(n, true);
            if (hi < 0) {
                outcomes.budget().giveBack(callHeld);
            }
        }
        if (hi < 0) {
            countRefusal(hi, n);
            throw rejection(hi, n);
        }
        long lo = hi - n + 1;
        long now = clock.getAsLong();
        Acceptance acceptance = journal == null ? null : new Acceptance();
        for (int i = 0; i < n; i++) {
            Event e = events.get(i);
            EventFuture future = new EventFuture(e.topic(), now, outcomes, acceptance, heldBytes[i]);
            futures.add(future);
            ring.get(lo + i).event(e.topic(), e.key(), e.value(), e.headers(), future, now);
        }
        if (journal == null) {
            outcomes.accepted(n);
        } else {
            ring.get(lo).request(n, callBytes);
            ring.get(hi).acceptance(acceptance);
        }
        ring.publish(lo, hi);
        return futures;
    }

    /**
     * Publishes an event if the ring has room now; never waits, whatever the policy. The event's outcome
     * is counted in the metrics but not reported to the caller.
     *
     * @return true if accepted, false if refused (ring full or publisher closed)
     * @throws IllegalArgumentException if the topic is not a legal Kafka topic name
     * @throws EventTooLargeException if the event is larger than Kafka's producer takes ({@link #sizeLimit()})
     */
    public boolean tryPublish(String topic, byte[] key, byte[] value, Iterable<Header> headers) {
        checkTopic(topic);
        sizeLimit.check(topic, key, value, headers);
        return offer(topic, key, value, headers, ByteBudget.eventBytes(key, value, headers), null, null,
                clock.getAsLong(), false) == 0;
    }

    public boolean tryPublish(String topic, byte[] key, byte[] value) {
        return tryPublish(topic, key, value, null);
    }

    /**
     * Returns 0 when the event is in the ring, else the Admission code of the refusal (already counted).
     * Without a journal the event is accepted now; with one the journal thread accepts (or refuses) it.
     */
    private long offer(String topic, byte[] key, byte[] value, Iterable<Header> headers, long bytes,
                       EventFuture future, Acceptance acceptance, long now, boolean mayBlock) {
        long sequence = takeBytes(bytes, mayBlock);
        if (sequence == 0) {
            sequence = admission.claim(mayBlock);
            if (sequence < 0) {
                outcomes.budget().giveBack(bytes);
            }
        }
        if (sequence < 0) {
            countRefusal(sequence, 1);
            return sequence;
        }
        EventSlot slot = ring.get(sequence);
        slot.event(topic, key, value, headers, future, now);
        if (journal == null) {
            outcomes.accepted(); // before publish: the event cannot have an outcome before it is counted
        } else {
            slot.request(1, 0); // a one-event call: the journal thread sizes the record once, for both uses
            slot.acceptance(acceptance);
        }
        ring.publish(sequence);
        return 0;
    }

    /**
     * Takes {@code bytes} from the byte budget: 0 when taken, else {@link Admission#MEMORY_FULL} (nothing taken).
     * Under {@code backpressure = block} a call that may wait waits for room up to the block timeout, as for ring
     * slots. Refused before a ring slot is claimed, so a full budget never holds a slot.
     */
    private long takeBytes(long bytes, boolean mayBlock) {
        ByteBudget budget = outcomes.budget();
        if (budget.tryTake(bytes)) {
            return 0;
        }
        if (!mayBlock || settings.backpressure() != Backpressure.BLOCK) {
            return Admission.MEMORY_FULL;
        }
        long deadline = System.nanoTime() + settings.blockTimeout().toNanos();
        long park = TimeUnit.MICROSECONDS.toNanos(50);
        while (System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(park);
            park = Math.min(park * 2, TimeUnit.MILLISECONDS.toNanos(1));
            if (budget.tryTake(bytes)) {
                return 0;
            }
        }
        return Admission.MEMORY_FULL;
    }

    /**
     * For a caller that has costly work to do before it can publish {@code n} events (an HTTP server parsing a
     * request body): the refusal {@link #publishAll} would meet right now under {@code backpressure = reject}
     * (ring too full, circuit open, journal full, failed or replaying), counted like one, or null. Shedding an
     * overload before the work keeps the CPU for the events that are taken. Null is a hint, not a promise.
     */
    public PublishRejectedException refusalFor(int n) {
        return refusalFor(n, 0);
    }

    /**
     * {@link #refusalFor(int)} for a call whose events will take about {@code bytes} of the byte budget (an HTTP
     * body's length): also refused, under {@code backpressure = reject}, when they would not fit it now.
     */
    public PublishRejectedException refusalFor(int n, long bytes) {
        long code = admission.wouldRefuse(n);
        if (code == 0 && settings.backpressure() == Backpressure.REJECT && !outcomes.budget().hasRoomFor(bytes)) {
            code = Admission.MEMORY_FULL;
        }
        if (code >= 0) {
            return null;
        }
        countRefusal(code, n);
        return rejection(code, n);
    }

    private void countRefusal(long code, int n) {
        if (code == Admission.DROPPED || (code == Admission.CIRCUIT_OPEN && settings.backpressure() == Backpressure.DROP)) {
            outcomes.dropped(n);
        } else {
            outcomes.rejected(n);
        }
        if (journal != null) {
            journal.refusedAtAdmission(code, n);
        }
    }

    /**
     * Validates a topic name; names already seen valid are remembered (a set bounded in size), so the
     * usual handful of topics costs a hash lookup instead of a character scan per event.
     */
    private void checkTopic(String topic) {
        // Racy on purpose: a stale read only means checking again; Strings are immutable.
        if (topic != null && topic == lastValidTopic) {
            return;
        }
        if (topic == null || !validTopics.contains(topic)) {
            Topics.validate(topic);
            if (validTopics.size() < MAX_REMEMBERED_TOPICS) {
                validTopics.add(topic);
            }
        }
        lastValidTopic = topic;
    }

    private PublishRejectedException rejection(long code, int events) {
        if (code == Admission.MEMORY_FULL) {
            return new PublishRejectedException(PublishRejectedException.Reason.MEMORY_FULL,
                    "the publisher holds " + outcomes.budget().used() + " bytes of events not yet in Kafka (max-bytes "
                            + outcomes.budget().max() + "); retry later");
        }
        if (code == Admission.JOURNAL_FULL) {
            return new PublishRejectedException(PublishRejectedException.Reason.JOURNAL_FULL,
                    "the journal is full (max-bytes " + settings.journal().maxBytes() + ", or its disk); retry later");
        }
        if (code == Admission.JOURNAL_FAILED) {
            return new PublishRejectedException(PublishRejectedException.Reason.JOURNAL_FAILED,
                    "the journal failed (" + journal.failure() + ") and accepts no events until the publisher restarts");
        }
        if (code == Admission.REPLAYING) {
            return new PublishRejectedException(PublishRejectedException.Reason.REPLAYING,
                    "the journal's backlog from before the restart is still being handed to Kafka; retry shortly");
        }
        if (code == Admission.CLOSED) {
            return new PublishRejectedException(PublishRejectedException.Reason.CLOSED, "publisher is closed");
        }
        if (code == Admission.CIRCUIT_OPEN) {
            return new PublishRejectedException(PublishRejectedException.Reason.CIRCUIT_OPEN,
                    "Kafka is not taking events (circuit open: " + pipeline.circuit.reason() + "); retry later");
        }
        if (code == Admission.DROPPED) {
            return new PublishRejectedException(PublishRejectedException.Reason.DROPPED,
                    "ring buffer full (" + settings.ringSize() + " slots): event dropped (backpressure=DROP)");
        }
        if (code == Admission.BLOCK_TIMEOUT) {
            return new PublishRejectedException(PublishRejectedException.Reason.BLOCK_TIMEOUT,
                    "ring buffer full (" + settings.ringSize() + " slots) for the whole block timeout of "
                            + settings.blockTimeout().toMillis() + " ms (backpressure=BLOCK)");
        }
        return new PublishRejectedException(PublishRejectedException.Reason.RING_FULL,
                "ring buffer full (" + settings.ringSize() + " slots): event rejected (backpressure="
                        + settings.backpressure() + ")");
    }

    /**
     * Flushes every topic group now. The future completes when every event accepted before this call
     * has its outcome (acknowledged or failed). After close it completes when close has finished.
     */
    public CompletableFuture<Void> forceFlush() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        while (true) {
            long sequence = admission.claimOrderedControl(clockNow() + TimeUnit.MILLISECONDS.toNanos(100));
            if (sequence >= 0) {
                ring.get(sequence).control(SlotKind.FLUSH, done, clock.getAsLong());
                ring.publish(sequence);
                return done;
            }
            if (sequence == Admission.CLOSED) {
                return closed.thenApply(report -> null);
            }
        }
    }

    /** The largest event accepted ({@link EventTooLargeException} above it). */
    public EventSizeLimit sizeLimit() {
        return sizeLimit;
    }

    /** Pending events and the batching settings, in the shape of the seed's batch metrics. */
    public BatchStatus batchStatus() {
        int pending = pipeline.batcher.pendingEvents();
        return new BatchStatus(pending, settings.batchSize(), settings.batchTimeout(), settings.maxBatchSize(),
                pending > 0);
    }

    /** The journal, or null without one (state, failure, metrics are in the registry too). */
    public Journal journal() {
        return journal;
    }

    /** The circuit breaker's state ({@link CircuitState#DISABLED} without one). */
    public CircuitState circuitState() {
        return pipeline.circuit == null ? CircuitState.DISABLED : pipeline.circuit.state();
    }

    /** A live snapshot of outcome counts. */
    public OutcomeReport outcomes() {
        return outcomes.report();
    }

    /** This publisher's metrics (names in {@link dev.eventpublisher.metrics.MetricNames}). */
    public MetricRegistry metrics() {
        return registry;
    }

    public PublisherSettings settings() {
        return settings;
    }

    /** Whether close has begun; a closed publisher refuses every event. */
    public boolean isClosed() {
        return !admission.isOpen();
    }

    /** {@link #close(Duration)} with the configured close timeout. */
    @Override
    public void close() {
        close(settings.closeTimeout());
    }

    /**
     * Stops accepting events, flushes every group, waits until {@code timeout} for Kafka to acknowledge
     * everything, then fails what is left with reason {@code shutdown}. Returns the final report, in which
     * every accepted event is acknowledged or failed. Concurrent and repeated calls wait for the first.
     */
    public OutcomeReport close(Duration timeout) {
        if (!closing.compareAndSet(false, true)) {
            return closed.join();
        }
        try {
            OutcomeReport report = shutDown(timeout.toNanos());
            closed.complete(report);
            return report;
        } catch (RuntimeException | Error e) {
            closed.completeExceptionally(e);
            throw e;
        }
    }

    private OutcomeReport shutDown(long timeoutNanos) {
        long start = clockNow();
        long deadline = start + timeoutNanos;
        pipeline.stopTimer();
        admission.close();
        CompletableFuture<Void> drained = new CompletableFuture<>();
        boolean queued = queueShutdown(drained, deadline);
        boolean clean = queued && awaitTicking(drained, deadline);
        if (!clean) {
            outcomes.forceShutdown();
            if (journal != null) {
                journal.stopWaiting();
                LOG.warn("close: deadline of {} ms passed with {} events unacknowledged; they stay in the journal for the next start",
                        TimeUnit.NANOSECONDS.toMillis(timeoutNanos), outcomes.report().unresolved());
            } else {
                LOG.warn("close: deadline of {} ms passed with {} events unresolved; failing them with reason 'shutdown'",
                        TimeUnit.NANOSECONDS.toMillis(timeoutNanos), outcomes.report().unresolved());
            }
        }
        sender.close(Duration.ofNanos(Math.max(0, deadline - clockNow())));
        if (!queued && !queueShutdown(drained, clockNow() + FORCED_DRAIN_NANOS)) {
            LOG.error("close: could not queue the shutdown command; the sender is stuck");
        }
        if (!pipeline.drainAndStop(clean ? TimeUnit.SECONDS.toNanos(5) : FORCED_DRAIN_NANOS)) {
            LOG.error("close: the pipeline did not drain; some events may have no outcome{}",
                    journal == null ? "" : " (the journal keeps them for the next start)");
        }
        if (journal != null) {
            journal.close();
        }
        OutcomeReport report = outcomes.report();
        LOG.info("publisher {} closed in {} ms: {}", settings.name(),
                TimeUnit.NANOSECONDS.toMillis(clockNow() - start), report);
        return report;
    }

    private boolean queueShutdown(CompletableFuture<Void> drained, long deadline) {
        long sequence = admission.claimControl(deadline);
        if (sequence < 0) {
            return false;
        }
        ring.get(sequence).control(SlotKind.SHUTDOWN, drained, clock.getAsLong());
        ring.publish(sequence);
        return true;
    }

    /**
     * Waits for the drain, ticking meanwhile: the timer has stopped, but the sender may still have work that only
     * a tick starts (records parked until their topic's metadata came, journalled events to send again).
     */
    private boolean awaitTicking(CompletableFuture<Void> drained, long deadline) {
        long slice = Math.max(TimeUnit.MILLISECONDS.toNanos(1), settings.tickInterval().toNanos());
        while (true) {
            long now = clockNow();
            if (await(drained, Math.min(deadline, now + slice))) {
                return true;
            }
            if (clockNow() - deadline >= 0) {
                return false;
            }
            pipeline.tickWhileClosing(deadline);
        }
    }

    private static boolean await(CompletableFuture<Void> future, long deadline) {
        try {
            future.get(Math.max(0, deadline - clockNow()), TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Deadlines are real time, whatever clock the batcher is given. */
    private static long clockNow() {
        return System.nanoTime();
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
