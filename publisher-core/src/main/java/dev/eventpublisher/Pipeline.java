package dev.eventpublisher;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.eventpublisher.batch.BatchingEventHandler;
import dev.eventpublisher.batch.TopicRules;
import dev.eventpublisher.journal.Journal;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.outcome.DeliveryCircuit;
import dev.eventpublisher.outcome.Outcomes;
import dev.eventpublisher.ring.Admission;
import dev.eventpublisher.ring.EventSlot;
import dev.eventpublisher.ring.ParkingWaitStrategy;
import dev.eventpublisher.ring.Ticker;
import dev.eventpublisher.sender.BatchSender;
import dev.eventpublisher.sender.KafkaBatchSender;
import dev.eventpublisher.sender.SenderStage;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads and rings behind an {@link EventPublisher}, wired and started:
 * {@code publish → ring (MULTI) → [journal thread →] batcher thread → sender ring (SINGLE) → sender thread
 * → BatchSender}, plus the timer thread that puts TICKs into the ring. With a journal, the batcher's
 * barrier is the journal's committed sequence: it sees an event only once the event is journalled.
 */
final class Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
    /** The sender ring holds a few rings' worth of batches, within these bounds. */
    private static final int MIN_SENDER_SLOTS = 16;
    private static final int MAX_SENDER_SLOTS = 1024;
    /** A journal group commit covers at most this many ring slots (the journal processor's max batch). */
    static final int JOURNAL_GROUP_SLOTS = 4096;

    final RingBuffer<EventSlot> ring;
    final Admission admission;
    final BatchingEventHandler batcher;
    final SenderStage senderStage;
    /** Null when the circuit breaker is disabled. */
    final DeliveryCircuit circuit;
    private final Disruptor<EventSlot> disruptor;
    private final Ticker ticker;

    Pipeline(PublisherSettings s, BatchSender sender, Outcomes outcomes, MetricRegistry registry, LongSupplier clock,
             Journal journal) {
        ExceptionHandler<Object> loopErrors = new LoopExceptionHandler();
        this.senderStage = new SenderStage(sender, senderSlots(s.ringSize(), s.maxBatchSize()), s.maxBatchSize(),
                s.waitStrategy().create(false), namedThread(s.name() + "-sender"), loopErrors, outcomes, registry);
        WaitStrategy ringWait = s.waitStrategy().create(true);
        this.disruptor = new Disruptor<>(EventSlot::new, s.ringSize(),
                namedThreads(journal == null ? List.of(s.name() + "-batcher") : List.of(s.name() + "-journal-writer", s.name() + "-batcher")),
                ProducerType.MULTI, ringWait);
        this.ring = disruptor.getRingBuffer();
        this.batcher = new BatchingEventHandler(topicRules(s), s.maxBatchSize(), s.endOfBatchPolicy(),
                senderStage.output(), outcomes, registry,
                s.exactlyOnce() == null ? 0 : s.exactlyOnce().interval().toNanos(),
                s.exactlyOnce() == null ? 0 : s.exactlyOnce().maxEvents());
        disruptor.setDefaultExceptionHandler(loopErrors);
        if (journal == null) {
            disruptor.handleEventsWith(batcher);
        } else {
            // Journal first; the batcher waits on the journal's committed sequence, not on the journal thread's
            // progress, so it never sees a call that is half written or not yet durable.
            BatchEventProcessor<EventSlot> journalling = new BatchEventProcessorBuilder().setMaxBatchSize(JOURNAL_GROUP_SLOTS)
                    .build(ring, ring.newBarrier(), journal.handler(ring, outcomes, stageSignal(ringWait)));
            BatchEventProcessor<EventSlot> batching = new BatchEventProcessorBuilder()
                    .build(ring, ring.newBarrier(journal.committed()), batcher);
            journalling.setExceptionHandler(loopErrors);
            batching.setExceptionHandler(loopErrors);
            disruptor.handleEventsWith(journalling);
            disruptor.handleEventsWith(batching);
        }
        // Parked records at most a ring's worth: past it the sender waits (and the ring behind it fills, so publishers
        // meet the backpressure policy) — with Kafka unreachable, the daemon refuses instead of buffering without end.
        if (sender instanceof KafkaBatchSender kafka) {
            kafka.parkAtMost(s.ringSize());
        }
        // Events parked on a topic Kafka is still looking up are not Kafka stalling: one event to a topic Kafka
        // will not create must not open the circuit for every other topic while it waits for its answer.
        LongSupplier stalled = sender instanceof KafkaBatchSender kafka
                ? () -> senderStage.inFlight() - kafka.waitingForMetadata() : senderStage::inFlight;
        this.circuit = s.circuitBreaker() ? new DeliveryCircuit(s.name(), outcomes, stalled,
                s.circuitStallTimeout(), s.circuitOpenDuration(), registry, System.nanoTime()) : null;
        this.admission = new Admission(ring, s.backpressure(), s.blockTimeout().toNanos(), gate(circuit, journal));

        senderStage.start();
        disruptor.start();
        this.ticker = new Ticker(s.name() + "-timer", ring, admission,
                batcher::wantsTicks, clock,
                tickInterval(s));
        ticker.every(tickInterval(s), senderStage::wakeForMaintenance);
        if (circuit != null) {
            ticker.every(DeliveryCircuit.CHECK_PERIOD.toNanos(), () -> circuit.check(System.nanoTime()));
        }
        registerGauges(registry, sender);
    }

    /** Closing, after {@link #stopTimer}: one tick from the closing thread, if there is work for one. */
    void tickWhileClosing(long deadlineNanos) {
        ticker.tickWhileClosing(deadlineNanos);
        senderStage.wakeForMaintenance();
    }

    /** Stops the timer; the rings keep running until {@link #drainAndStop}. */
    void stopTimer() {
        ticker.close();
    }

    /**
     * Waits until the batcher and then the sender have processed everything in their rings, then
     * stops their threads. Returns false if that took longer than {@code timeoutNanos} each.
     */
    boolean drainAndStop(long timeoutNanos) {
        boolean drained = true;
        try {
            disruptor.shutdown(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            disruptor.halt();
            drained = false;
        }
        return senderStage.drainAndStop(timeoutNanos) && drained;
    }

    private void registerGauges(MetricRegistry registry, BatchSender sender) {
        registry.gauge(MetricNames.RING_SIZE, () -> () -> ring.getBufferSize());
        registry.gauge(MetricNames.RING_REMAINING, () -> () -> Math.max(0L, ring.remainingCapacity()));
        registry.gauge(MetricNames.PENDING_EVENTS, () -> batcher::pendingEvents);
        registry.gauge(MetricNames.SENDER_IN_FLIGHT, () -> senderStage::inFlight);
        if (sender instanceof KafkaBatchSender kafka) {
            registry.gauge(MetricNames.SENDER_RESEND_BACKLOG, () -> kafka::resendBacklog);
            registry.gauge(MetricNames.SENDER_WAITING_FOR_METADATA, () -> kafka::waitingForMetadata);
            Map<MetricName, ? extends Metric> metrics = kafka.producer().metrics();
            metrics.forEach((name, metric) -> {
                if ("producer-metrics".equals(name.group())) {
                    // Looked up on each read: the producer is replaced after a fatal error.
                    registry.gauge(MetricNames.KAFKA_PRODUCER_PREFIX + name.name(), () -> (Gauge<Object>) () -> {
                        Metric current = kafka.producer().metrics().get(name);
                        return current == null ? null : current.metricValue();
                    });
                }
            });
        }
    }

    /** How the journal wakes the batcher after a commit: only a strategy that parks its downstream stage needs it. */
    private static Runnable stageSignal(WaitStrategy wait) {
        return wait instanceof ParkingWaitStrategy parking ? parking::signalStage : () -> { };
    }

    /** What refuses publishing besides a full ring: an open circuit, a journal that is failed, replaying or full. */
    private static Admission.Gate gate(DeliveryCircuit circuit, Journal journal) {
        if (circuit == null && journal == null) {
            return Admission.Gate.OPEN;
        }
        return new Admission.Gate() {
            @Override
            public long refusal() {
                if (journal != null) {
                    long refusal = journal.refusal();
                    if (refusal != 0) {
                        return refusal;
                    }
                }
                return circuit != null && circuit.isOpen() ? Admission.CIRCUIT_OPEN : 0;
            }

            @Override
            public boolean waitable(long refusal) {
                return refusal == Admission.CIRCUIT_OPEN || refusal == Admission.REPLAYING
                        || (refusal == Admission.JOURNAL_FULL && journal != null && journal.waitsWhenFull());
            }
        };
    }

    /** Exactly-once: ticks also close transaction spans, so they come at least ten times per commit interval. */
    private static long tickInterval(PublisherSettings s) {
        long tick = s.tickInterval().toNanos();
        return s.exactlyOnce() == null ? tick : Math.max(1_000_000L, Math.min(tick, s.exactlyOnce().interval().toNanos() / 10));
    }

    private static TopicRules topicRules(PublisherSettings s) {
        var overrides = new java.util.HashMap<String, TopicRules.Rule>();
        s.topics().keySet().forEach(topic -> overrides.put(topic,
                new TopicRules.Rule(s.batchSizeFor(topic), s.batchTimeoutFor(topic).toNanos())));
        return new TopicRules(new TopicRules.Rule(s.batchSize(), s.batchTimeout().toNanos()), overrides);
    }

    static int senderSlots(int ringSize, int maxBatchSize) {
        long wanted = Math.max(MIN_SENDER_SLOTS, Math.min(MAX_SENDER_SLOTS, 4L * ringSize / maxBatchSize));
        return Integer.highestOneBit((int) wanted - 1) << 1;
    }

    /** Names the threads it makes in order (the Disruptor starts its processors in the order they were added). */
    private static ThreadFactory namedThreads(List<String> names) {
        Iterator<String> next = names.iterator();
        return runnable -> {
            Thread thread = new Thread(runnable, next.hasNext() ? next.next() : "publisher-ring");
            thread.setDaemon(true);
            return thread;
        };
    }

    private static ThreadFactory namedThread(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Last line of defence for the batcher and sender loops: the handlers catch their own exceptions
     * per event, so this sees only what escaped them. It logs and lets the loop go on; an {@code Error}
     * is rethrown (the JVM is in trouble; pretending otherwise would hide it).
     */
    private static final class LoopExceptionHandler implements ExceptionHandler<Object> {
        @Override
        public void handleEventException(Throwable ex, long sequence, Object event) {
            if (ex instanceof Error error) {
                throw error;
            }
            LOG.error("pipeline loop caught an exception at sequence {}; continuing", sequence, ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            LOG.error("pipeline loop failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            LOG.error("pipeline loop failed to shut down", ex);
        }
    }
}
