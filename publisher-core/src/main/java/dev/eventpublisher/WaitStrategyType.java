package dev.eventpublisher;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import dev.eventpublisher.ring.ParkingWaitStrategy;

/**
 * How the batcher and sender threads wait for work. The blocking ones sleep when idle and leave the
 * CPU to Kafka and the callers; the spinning ones trade a whole core each for lower hand-off latency.
 */
public enum WaitStrategyType {
    /**
     * Spins briefly, yields, then parks for growing intervals up to 4 ms; publishers never signal.
     * The default: {@code publish()} does no system call, and idle costs next to nothing; an event
     * reaching an idle pipeline may wait up to 4 ms before the batcher picks it up.
     */
    PARKING,
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

    /** A new strategy instance (each ring needs its own). */
    public WaitStrategy create() {
        return switch (this) {
            case PARKING -> new ParkingWaitStrategy();
            case BLOCKING -> new BlockingWaitStrategy();
            case LITE_BLOCKING -> new LiteBlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }
}
