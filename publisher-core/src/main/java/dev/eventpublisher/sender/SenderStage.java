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
 * The sender thread and its ring: the batcher is the ring's single producer, {@link SenderEventHandler}
 * its single consumer, a {@link BatchSender} the destination.
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
        this.disruptor = new Disruptor<>(() -> new BatchSlot(maxBatchSize), slots, threadFactory,
                ProducerType.SINGLE, waitStrategy);
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
