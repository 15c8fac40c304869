package dev.eventpublisher.ring;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
    /** {@link #claim} result: the journal is full. */
    public static final long JOURNAL_FULL = -6;
    /** {@link #claim} result: the journal failed and accepts nothing. */
    public static final long JOURNAL_FAILED = -7;
    /** {@link #claim} result: the journal's backlog from before a restart is still being replayed. */
    public static final long REPLAYING = -8;
    /** Refusal: the events held in memory fill the byte budget ({@code max-bytes}). Not a claim result: the publisher checks it. */
    public static final long MEMORY_FULL = -9;

    /** What else, besides ring space, may refuse a claim: the circuit breaker, the journal. */
    public interface Gate {
        /** 0 if publishing may go on, else the refusal: one of this class's negative codes. A few volatile reads. */
        long refusal();

        /** Whether a publisher that may block should wait (up to its block timeout) for this refusal to pass. */
        boolean waitable(long refusal);

        /** Nothing refuses. */
        Gate OPEN = new Gate() {
            @Override
            public long refusal() {
                return 0;
            }

            @Override
            public boolean waitable(long refusal) {
                return false;
            }
        };
    }

    /** How long a blocked publisher first parks between claim attempts; short, so it sees space quickly. */
    private static final long BLOCK_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long MAX_BLOCK_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_CIRCUIT_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final RingBuffer<EventSlot> ring;
    private final Backpressure policy;
    private final long blockTimeoutNanos;
    private final Gate gate;
    private volatile boolean open = true;

    /** @param gate what else may refuse a claim (checked per claim) */
    public Admission(RingBuffer<EventSlot> ring, Backpressure policy, long blockTimeoutNanos, Gate gate) {
        this.ring = ring;
        this.policy = policy;
        this.blockTimeoutNanos = blockTimeoutNanos;
        this.gate = gate;
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
     * What a non-waiting claim of {@code n} slots would meet right now under the reject policy, without claiming:
     * one of this class's negative codes, or 0 (a hint, not a promise: another publisher may take the room
     * first). Always 0 under block or drop, which wait or drop rather than refuse, and for more than the ring.
     */
    public long wouldRefuse(int n) {
        if (policy != Backpressure.REJECT || n <= 0 || n > ring.getBufferSize()) {
            return 0;
        }
        if (!open) {
            return CLOSED;
        }
        long refusal = gate.refusal();
        if (refusal != 0) {
            return refusal;
        }
        return ring.hasAvailableCapacity(n) ? 0 : RING_FULL;
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
        long refusal = gate.refusal();
        if (refusal != 0 && (refusal = awaitGate(refusal, mayBlock)) != 0) {
            return refusal;
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

    /**
     * Claims one slot for a timer tick: never waits, and ignores the gate (ticks must reach the batcher
     * and the sender while the circuit is open or the journal full: re-sends and timeouts run on them).
     */
    public long claimTick() {
        if (!open) {
            return CLOSED;
        }
        try {
            long sequence = ring.tryNext();
            return admitted(sequence, 1) ? sequence : CLOSED;
        } catch (InsufficientCapacityException full) {
            return RING_FULL;
        }
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

    /**
     * Claims {@code n} slots for work that must not be refused by the gate (the journal's replay),
     * waiting for space as long as the publisher is open. Returns the highest sequence, or {@link #CLOSED}.
     */
    public long claimBackground(int n) {
        long park = BLOCK_PARK_NANOS;
        while (open) {
            try {
                long hi = ring.tryNext(n);
                return admitted(hi, n) ? hi : CLOSED;
            } catch (InsufficientCapacityException full) {
                LockSupport.parkNanos(park);
                park = Math.min(park * 2, MAX_BLOCK_PARK_NANOS);
            }
        }
        return CLOSED;
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

    /**
     * Under BLOCK, waits (up to the block timeout) for a waitable refusal to pass; returns 0 if it did,
     * else the refusal that stands.
     */
    private long awaitGate(long refusal, boolean mayBlock) {
        if (policy != Backpressure.BLOCK || !mayBlock || !gate.waitable(refusal)) {
            return refusal;
        }
        long deadline = System.nanoTime() + blockTimeoutNanos;
        long park = BLOCK_PARK_NANOS;
        long current = refusal;
        while (current != 0) {
            if (!open || System.nanoTime() - deadline >= 0 || !gate.waitable(current)) {
                return current;
            }
            LockSupport.parkNanos(park);
            park = Math.min(park * 2, MAX_CIRCUIT_PARK_NANOS);
            current = gate.refusal();
        }
        return 0;
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
