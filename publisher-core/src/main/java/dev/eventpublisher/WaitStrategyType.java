package dev.eventpublisher;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

/**
 * How the batcher and sender threads wait for work. The blocking ones sleep when idle and leave the
 * CPU to Kafka and the callers; the spinning ones trade a whole core each for lower hand-off latency.
 */
public enum WaitStrategyType {
    /** Lock and condition; sleeps when idle. The default. */
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
            case BLOCKING -> new BlockingWaitStrategy();
            case LITE_BLOCKING -> new LiteBlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }
}
