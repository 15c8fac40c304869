package dev.eventpublisher.ring;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

/**
 * The pipeline's wait strategy: a consumer with nothing to do spins for a moment, parks briefly on its own
 * (a grace period), then parks until it is woken; a publisher wakes it only when it is parked that last way. So a busy
 * pipeline's {@code publish()} costs one extra volatile read and no system call, and an event that reaches
 * an idle pipeline is picked up in the time an unpark takes, not after a polling interval.
 *
 * <p>Two kinds of waiter: those waiting on the ring's cursor (the first stage) are woken by
 * {@link #signalAllWhenBlocking()}, which the ring calls on every publish; those waiting on an upstream stage
 * (the batcher behind the journal) are woken by that stage calling {@link #signalStage()} after it moved its
 * sequence. A parked consumer also wakes by itself every {@value #MAX_PARK_MILLIS} ms (a halt's alert wakes
 * only cursor waiters; a stage that forgets to signal costs latency, never a lost event).
 *
 * <p>The hand-shake is Dekker's: a waiter registers (an atomic write), then checks its sequence again, then
 * parks; a publisher moves the sequence, then reads whether anyone is registered. Sequential consistency of
 * the two atomic sides means one of them sees the other. A multi-producer ring claims with an atomic add, which
 * already orders the publisher's read; a single-producer ring or a stage publishes with a release store, so
 * those signals add a full fence first.
 */
public final class ParkingWaitStrategy implements WaitStrategy {
    static final long MAX_PARK_MILLIS = 50;
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(MAX_PARK_MILLIS);
    /**
     * A few microseconds of spinning before parking, and no yielding: on a small machine a spinning or
     * yielding consumer takes the core from the threads doing the work (Kafka's I/O thread, the broker), and
     * {@code Thread.yield()} can leave it off the CPU for a whole scheduler slice. Measured on 2 cores, a
     * synchronous publish's p99: 0.5 ms spinning 100 times, 0.8 ms at 1,000, 4 ms at 10,000; 1.7 ms when it also
     * yielded for 50 µs.
     */
    private static final int SPINS = 100;
    /** More waiters than slots (not in this pipeline) poll with this park instead of registering. */
    /**
     * One timed park, unregistered, before parking until woken: an event arriving meanwhile waits for its end
     * instead of costing its publisher a wake-up. Without it, at 20,000 events/s (consumers idle between events)
     * every {@code publish()} paid a futex wake: p50 6.9 µs instead of 0.16 µs.
     */
    static final long GRACE_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long OVERFLOW_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final boolean claimIsFence;
    private final long graceNanos;
    private final long maxParkNanos;
    private final Waiters onCursor = new Waiters();
    private final Waiters onStage = new Waiters();
    private final AtomicLong wakeups = new AtomicLong();

    /**
     * @param claimIsFence true for a multi-producer ring (a claim is an atomic add on the cursor, ordering the
     *                     publisher's read of the waiters; its first stage gets the grace park); false for a
     *                     single-producer ring (the sender's, fed by the batcher: no grace park)
     */
    public ParkingWaitStrategy(boolean claimIsFence) {
        this(claimIsFence, claimIsFence ? GRACE_NANOS : 0, MAX_PARK_NANOS);
    }

    /** With a longer self-wake period: a test that a signal, not the period, woke the consumer. */
    ParkingWaitStrategy(boolean claimIsFence, long graceNanos, long maxParkNanos) {
        this.claimIsFence = claimIsFence;
        this.graceNanos = graceNanos;
        this.maxParkNanos = maxParkNanos;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException {
        long available = dependentSequence.get();
        if (available >= sequence) {
            return available;
        }
        Waiters waiters = dependentSequence == cursor ? onCursor : onStage;
        int spins = SPINS;
        // Only the first stage of a ring fed by callers gets a grace park: its publishers are application threads,
        // whose call time matters. A stage fed by one of ours (the batcher behind the journal, the sender) is woken
        // at once: sleeping through a grace park there cost 8-20 % of the saturated throughput when the sender,
        // the bottleneck, found its ring empty for a moment.
        boolean graced = graceNanos <= 0 || waiters == onStage;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            if (spins > 0) {
                spins--;
                Thread.onSpinWait();
            } else if (!graced) {
                graced = true;
                LockSupport.parkNanos(this, graceNanos);
            } else {
                park(waiters, sequence, dependentSequence, barrier);
            }
        }
        return available;
    }

    private void park(Waiters waiters, long sequence, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException {
        int slot = waiters.enter(Thread.currentThread());
        try {
            // Checked again after registering: a publish that read "nobody parked" is visible here.
            if (dependentSequence.get() < sequence) {
                barrier.checkAlert();
                LockSupport.parkNanos(waiters, slot < 0 ? OVERFLOW_PARK_NANOS : maxParkNanos);
            }
        } finally {
            waiters.leave(slot);
        }
    }

    /** Called by the ring after each publish: wakes the first stage if, and only if, it is parked. */
    @Override
    public void signalAllWhenBlocking() {
        if (!claimIsFence) {
            VarHandle.fullFence();
        }
        onCursor.wake(wakeups);
    }

    /** Called by a stage after it moved the sequence a later stage waits on: wakes that stage if it is parked. */
    public void signalStage() {
        VarHandle.fullFence();
        onStage.wake(wakeups);
    }

    /** How many times a publisher or stage unparked a consumer (each one a system call). */
    public long wakeups() {
        return wakeups.get();
    }

    /** The threads parked on one kind of sequence: a count read by every signal, slots read only when non-zero. */
    private static final class Waiters {
        private static final int SLOTS = 4;
        private final AtomicReferenceArray<Thread> threads = new AtomicReferenceArray<>(SLOTS);
        private final AtomicInteger parked = new AtomicInteger();

        /** Registers the thread; returns its slot, or -1 when all slots are taken (then it polls). */
        int enter(Thread thread) {
            for (int i = 0; i < SLOTS; i++) {
                if (threads.get(i) == null && threads.compareAndSet(i, null, thread)) {
                    parked.incrementAndGet();
                    return i;
                }
            }
            return -1;
        }

        void leave(int slot) {
            if (slot >= 0) {
                parked.decrementAndGet();
                threads.set(slot, null);
            }
        }

        void wake(AtomicLong wakeups) {
            if (parked.get() == 0) {
                return;
            }
            for (int i = 0; i < SLOTS; i++) {
                Thread thread = threads.get(i);
                if (thread != null) {
                    LockSupport.unpark(thread);
                    wakeups.incrementAndGet();
                }
            }
        }
    }
}
