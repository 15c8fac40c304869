package dev.eventpublisher.ring;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import com.lmax.disruptor.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timer thread: every tick interval, if the batcher holds pending events, it puts a TICK into the
 * ring so the batcher can flush groups that reached their timeout. Ticks travel through the ring like
 * events, so the batcher's state keeps a single writer. An idle publisher gets no ticks at all, and a
 * tick that finds the ring full is skipped (events are flowing; the next tick comes soon).
 */
public final class Ticker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ticker.class);

    private final RingBuffer<EventSlot> ring;
    private final Admission admission;
    private final BooleanSupplier hasWork;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;

    /** @param hasWork whether a tick is worth sending (the batcher holds events) */
    public Ticker(String threadName, RingBuffer<EventSlot> ring, Admission admission, BooleanSupplier hasWork,
                  LongSupplier clock, long intervalNanos) {
        this.ring = ring;
        this.admission = admission;
        this.hasWork = hasWork;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(this::tick, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** One tick; returns whether a TICK was published. Public for tests that drive it by hand. */
    public boolean tick() {
        try {
            if (!hasWork.getAsBoolean()) {
                return false;
            }
            long sequence = admission.claimTick();
            if (sequence < 0) {
                return false;
            }
            ring.get(sequence).control(SlotKind.TICK, null, clock.getAsLong());
            ring.publish(sequence);
            return true;
        } catch (RuntimeException e) {
            // A failed tick must not cancel the schedule (a throwing task is never run again).
            LOG.error("timer tick failed", e);
            return false;
        }
    }

    /**
     * A tick from the closing thread once the timer is stopped and admission closed (a control slot, which a
     * closed ring still takes): the drain may wait for work only a tick starts.
     */
    public boolean tickWhileClosing(long deadlineNanos) {
        if (!hasWork.getAsBoolean()) {
            return false;
        }
        long sequence = admission.claimControl(deadlineNanos);
        if (sequence < 0) {
            return false;
        }
        ring.get(sequence).control(SlotKind.TICK, null, clock.getAsLong());
        ring.publish(sequence);
        return true;
    }

    /** Runs {@code task} on the timer thread every {@code periodNanos}; a failing run is logged, not fatal. */
    public void every(long periodNanos, Runnable task) {
        timer.scheduleAtFixedRate(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("timer task failed", e);
            }
        }, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
