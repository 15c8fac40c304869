package dev.eventpublisher.ring;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.eventpublisher.Backpressure;

/**
 * The door to the ring: claims slots under the backpressure policy, and closes.
 *
 * <p>Claims are atomic ({@code tryNext}); there is no "check remaining capacity, then publish" step,
 * which loses events under contention with a multi-producer ring.
 *
 * <p>Closing needs no per-publish bookkeeping. A claim checks the open flag <em>after</em> it got its
 * sequence; {@link #close()} clears the flag <em>before</em> the closer claims the SHUTDOWN slot. So a
 * claim that still saw the publisher open got a lower sequence than SHUTDOWN, and the batcher
 * processes it first; a claim that saw it closed turns its slots into {@link SlotKind#VOID} (a claimed
 * sequence must be published) and refuses. (Volatile reads and CASes are totally ordered: the claim's
 * CAS precedes its read of "open", which precedes the closer's write, which precedes the closer's CAS.)
 *
 * <p>Waiting uses real time ({@code System.nanoTime}), whatever clock the batcher is given.
 * Thread-safe: called by any number of publishing threads and one closing thread.
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
    /** {@link #claim} result: the circuit is open (Kafka is not taking events). */
    public static final long CIRCUIT_OPEN = -5;

    /** How long a blocked publisher first parks between claim attempts; short, so it sees space quickly. */
    private static final long BLOCK_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long MAX_BLOCK_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_CIRCUIT_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final RingBuffer<EventSlot> ring;
    private final Backpressure policy;
    private final long blockTimeoutNanos;
    private final BooleanSupplier circuitOpen;
    private volatile boolean open = true;

    /** @param circuitOpen whether Kafka is known not to take events (a volatile read, checked per claim) */
    public Admission(RingBuffer<EventSlot> ring, Backpressure policy, long blockTimeoutNanos, BooleanSupplier circuitOpen) {
        this.ring = ring;
        this.policy = policy;
        this.blockTimeoutNanos = blockTimeoutNanos;
        this.circuitOpen = circuitOpen;
    }

    public boolean isOpen() {
        return open;
    }

    /** Refuses every later claim; claims already admitted are ahead of anything the closer claims next. */
    public void close() {
        open = false;
    }

    /** {@link #claim(int, boolean)} for one slot. */
    public long claim(boolean mayBlock) {
        return claim(1, mayBlock);
    }

    /**
     * Claims {@code n} consecutive slots at once, or none. On success the caller fills and publishes
     * {@code (hi - n + 1)..hi}.
     *
     * @param mayBlock false for calls that must never wait (tryPublish, timer ticks)
     * @return the highest claimed sequence, or one of the negative constants of this class
     */
    public long claim(int n, boolean mayBlock) {
        if (!open) {
            return CLOSED;
        }
        if (circuitOpen.getAsBoolean() && !awaitCircuit(mayBlock)) {
            return CIRCUIT_OPEN;
        }
        long hi;
        try {
            hi = ring.tryNext(n);
        } catch (InsufficientCapacityException full) {
            if (policy != Backpressure.BLOCK) {
                return policy == Backpressure.DROP ? DROPPED : RING_FULL;
            }
            if (!mayBlock) {
                return RING_FULL;
            }
            hi = claimBlocking(n);
            if (hi < 0) {
                return hi;
            }
        }
        return admitted(hi, n) ? hi : CLOSED;
    }

    /** Claims one slot for a command, waiting for space until {@code deadlineNanos}, even when closed. */
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

    /**
     * Claims one slot for a command that must come before SHUTDOWN (forceFlush, ticks): waits for
     * space until {@code deadlineNanos}, then checks the publisher is still open.
     */
    public long claimOrderedControl(long deadlineNanos) {
        if (!open) {
            return CLOSED;
        }
        long sequence = claimControl(deadlineNanos);
        if (sequence < 0) {
            return sequence;
        }
        return admitted(sequence, 1) ? sequence : CLOSED;
    }

    /** After the claim: still open? If not, publish the slots as VOID, so the ring never waits for them. */
    private boolean admitted(long hi, int n) {
        if (open) {
            return true;
        }
        long lo = hi - n + 1;
        for (long s = lo; s <= hi; s++) {
            ring.get(s).control(SlotKind.VOID, null, 0);
        }
        ring.publish(lo, hi);
        return false;
    }

    /** Under BLOCK, waits (up to the block timeout) for the circuit to leave OPEN; true if it did. */
    private boolean awaitCircuit(boolean mayBlock) {
        if (policy != Backpressure.BLOCK || !mayBlock) {
            return false;
        }
        long deadline = System.nanoTime() + blockTimeoutNanos;
        long park = BLOCK_PARK_NANOS;
        while (circuitOpen.getAsBoolean()) {
            if (!open || System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(park);
            park = Math.min(park * 2, MAX_CIRCUIT_PARK_NANOS);
        }
        return true;
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
}
