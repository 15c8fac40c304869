package dev.eventpublisher;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import dev.eventpublisher.ring.BackoffWaitStrategy;
import dev.eventpublisher.ring.ParkingWaitStrategy;

/**
 * How the batcher and sender threads wait for work. The blocking ones sleep when idle and leave the
 * CPU to Kafka and the callers; the spinning ones trade a whole core each for lower hand-off latency.
 */
public enum WaitStrategyType {
    /**
     * The default: spins a few microseconds (the first stage then parks 50 µs on its own), then parks until
     * woken; a publisher wakes a consumer only when it is parked, so {@code publish()} makes no system call while
     * the pipeline is busy, an event reaching an idle pipeline is picked up in the time an unpark takes, and
     * idle costs next to nothing.
     */
    PARKING,
    /**
     * Spins briefly, yields, then parks for growing intervals up to 4 ms; publishers never signal. The
     * default before {@link #PARKING}: {@code publish()} never makes a system call, but an event reaching an
     * idle pipeline may wait up to 4 ms at each stage.
     */
    BACKOFF,
    /** Lock and condition; sleeps when idle, but every publish takes the lock to signal. */
    BLOCKING,
    /** Like BLOCKING, but skips the signal when nobody waits: cheaper publishing under load. */
    LITE_BLOCKING,
    /** Spins, yields, then parks briefly: low latency, modest idle CPU. */
    SLEEPING,
    /** Spins then yields: burns a core while idle. */
    YIELDING,
    /** Spins: burns a core while idle; only with a core to spare per handler. */
    BUSY_SPIN;

    /** A new strategy instance for a ring with many publishers (each ring needs its own). */
    public WaitStrategy create() {
        return create(true);
    }

    /** A new strategy instance (each ring needs its own); {@code multiProducer} says how the ring claims. */
    public WaitStrategy create(boolean multiProducer) {
        return switch (this) {
            case PARKING -> new ParkingWaitStrategy(multiProducer);
            case BACKOFF -> new BackoffWaitStrategy();
            case BLOCKING -> new BlockingWaitStrategy();
            case LITE_BLOCKING -> new LiteBlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }
}
