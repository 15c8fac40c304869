package dev.eventpublisher.ring;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.eventpublisher.Backpressure;

/**
 * The door to the ring: claims a slot under the backpressure policy and lets {@code close} know when
 * no thread can publish any more.
 *
 * <p>Claims are atomic ({@code tryNext}); there is no "check remaining capacity, then publish" step,
 * which loses events under contention with a multi-producer ring.
 *
 * <p>Every publishing call is bracketed by {@link #enter()} / {@link #exit()}. {@link #closeAndAwaitQuiescence}
 * flips the state, then waits until every call that entered has left; a call entering later sees the
 * closed state. Two monotonic striped counters make this exact without a contended atomic per publish.
 *
 * <p>Waiting uses real time ({@code System.nanoTime}), whatever clock the batcher is given.
 *
 * <p>Thread-safe: called by any number of publishing threads and one closing thread.
 */
public final class Admission {
    /** {@link #claim} result: the ring was full, policy reject (or a call that may not block). */
    public static final long RING_FULL = -1;
    /** {@link #claim} result: the ring stayed full for the whole block timeout. */
    public static final long BLOCK_TIMEOUT = -2;
    /** {@link #claim} result: the ring was full, policy drop. */
    public static final long DROPPED = -3;
    /** {@link #claim} result: the publisher is closing or closed. */
    public static final long CLOSED = -4;

    /** How long a blocked publisher parks between claim attempts; short, so it sees space quickly. */
    private static final long BLOCK_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long MAX_BLOCK_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final RingBuffer<EventSlot> ring;
    private final Backpressure policy;
    private final long blockTimeoutNanos;
    private final LongAdder entered = new LongAdder();
    private final LongAdder exited = new LongAdder();
    private volatile boolean open = true;

    public Admission(RingBuffer<EventSlot> ring, Backpressure policy, long blockTimeoutNanos) {
        this.ring = ring;
        this.policy = policy;
        this.blockTimeoutNanos = blockTimeoutNanos;
    }

    public void enter() {
        entered.increment();
    }

    public void exit() {
        exited.increment();
    }

    public boolean isOpen() {
        return open;
    }

    /**
     * Claims one slot. Call between {@link #enter()} and {@link #exit()}, and publish the returned
     * sequence before exiting.
     *
     * @param mayBlock false for calls that must never wait (tryPublish, timer ticks)
     * @return the claimed sequence, or one of the negative constants of this class
     */
    public long claim(boolean mayBlock) {
        return claim(1, mayBlock);
    }

    /**
     * Claims {@code n} consecutive slots at once, or none: the caller publishes {@code (hi - n + 1)..hi}.
     *
     * @return the highest claimed sequence, or one of the negative constants of this class
     */
    public long claim(int n, boolean mayBlock) {
        if (!open) {
            return CLOSED;
        }
        try {
            return ring.tryNext(n);
        } catch (InsufficientCapacityException full) {
            return switch (policy) {
                case DROP -> DROPPED;
                case REJECT -> RING_FULL;
                case BLOCK -> mayBlock ? claimBlocking(n) : RING_FULL;
            };
        }
    }

    /** Claims a slot for a command, waiting for space until {@code deadlineNanos}; ignores the open state. */
    public long claimControl(long deadlineNanos) {
        while (true) {
            try {
                return ring.tryNext();
            } catch (InsufficientCapacityException full) {
                if (System.nanoTime() - deadlineNanos >= 0) {
                    return BLOCK_TIMEOUT;
                }
                LockSupport.parkNanos(BLOCK_PARK_NANOS);
            }
        }
    }

    private long claimBlocking(int n) {
        long deadline = System.nanoTime() + blockTimeoutNanos;
        long park = BLOCK_PARK_NANOS;
        while (true) {
            // Back off while the ring stays full: many waiting publishers waking every 50 µs would
            // burn the CPU the batcher and sender need to make room.
            LockSupport.parkNanos(park);
            park = Math.min(park * 2, MAX_BLOCK_PARK_NANOS);
            if (!open) {
                return CLOSED;
            }
            try {
                return ring.tryNext(n);
            } catch (InsufficientCapacityException stillFull) {
                if (System.nanoTime() - deadline >= 0) {
                    return BLOCK_TIMEOUT;
                }
            }
        }
    }

    /**
     * Refuses every later claim, then waits until all calls in progress have left.
     *
     * @return true when quiescent, false if {@code deadlineNanos} passed first
     */
    public boolean closeAndAwaitQuiescence(long deadlineNanos) {
        open = false;
        while (true) {
            // Read exits before entries: equal sums then prove that at the moment exits were read no
            // call was inside (both counters only grow), and any later call sees open == false.
            long out = exited.sum();
            long in = entered.sum();
            if (in == out) {
                return true;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                return false;
            }
            LockSupport.parkNanos(BLOCK_PARK_NANOS);
        }
    }
}
