package dev.eventpublisher.sender;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.MetricRegistry;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.eventpublisher.batch.BatchOutput;
import dev.eventpublisher.outcome.Outcomes;

/**
 * The sender thread and its ring: the batcher is the ring's producer (and the timer, for maintenance: see
 * {@link #wakeForMaintenance}), {@link SenderEventHandler} its single consumer, a {@link BatchSender} the destination.
 */
public final class SenderStage {
    private final Disruptor<BatchSlot> disruptor;
    private final SenderEventHandler handler;
    private final SenderRing output;
    private final BatchSender sender;

    public SenderStage(BatchSender sender, int slots, int maxBatchSize, WaitStrategy waitStrategy,
                       ThreadFactory threadFactory, ExceptionHandler<Object> exceptionHandler,
                       Outcomes outcomes, MetricRegistry registry) {
        this.sender = sender;
        // Two producers: the batcher, and the timer's maintenance wake-ups (a claim is a CAS, once per batch).
        this.disruptor = new Disruptor<>(() -> new BatchSlot(maxBatchSize), slots, threadFactory,
                ProducerType.MULTI, waitStrategy);
        this.handler = new SenderEventHandler(sender, outcomes, registry, disruptor.getRingBuffer()::getCursor);
        disruptor.handleEventsWith(handler);
        disruptor.setDefaultExceptionHandler(exceptionHandler);
        this.output = new SenderRing(disruptor.getRingBuffer(), sender);
    }

    /** The batcher's end of the hand-off. */
    public BatchOutput output() {
        return output;
    }

    public BatchSender sender() {
        return sender;
    }

    public void start() {
        disruptor.start();
    }

    /**
     * Timer thread: wakes the sender for its maintenance when it has some, straight into its ring. Not through the
     * main ring and the batcher: behind a journal that waits for room (when-full = block) nothing moves there, and
     * the room it waits for may come only from this maintenance (records parked until their topic's metadata came,
     * sent once it answers). Skipped when the ring is full: the sender is busy, and maintains before every send.
     */
    public void wakeForMaintenance() {
        output.tickIfRoom();
    }

    /** Events handed to the sender without an outcome yet. */
    public long inFlight() {
        return handler.inFlight();
    }

    /**
     * Waits until the sender has taken every batch already handed over, then stops its thread.
     *
     * @return false if that did not happen within the timeout (the thread is halted anyway)
     */
    public boolean drainAndStop(long timeoutNanos) {
        try {
            disruptor.shutdown(timeoutNanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            disruptor.halt();
            return false;
        }
    }
}
