package dev.eventpublisher.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import org.junit.jupiter.api.Test;

/**
 * The wake-up contract of {@link ParkingWaitStrategy} on real rings and processor threads. The strategies here
 * park for an hour between self-wakes, so an event handled at all proves that a signal woke its consumer: a lost
 * signal shows as a timeout, never as a slow pass. (The JVM may wake a parked thread spuriously; a consumer woken
 * that way is in its spin or grace park when the signal comes and needs none, so counts allow one fewer wake-up.)
 */
class ParkingWaitStrategyTest {
    private static final long AN_HOUR = TimeUnit.HOURS.toNanos(1);

    /** A ring slot: one long. */
    private static final class Slot {
        long value;
    }

    @Test
    void a_busy_consumer_is_never_signalled_and_a_parked_one_is_woken_once() throws Exception {
        ParkingWaitStrategy wait = new ParkingWaitStrategy(true, ParkingWaitStrategy.GRACE_NANOS, AN_HOUR);
        RingBuffer<Slot> ring = RingBuffer.createMultiProducer(Slot::new, 4096, wait);
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong handled = new AtomicLong();
        BatchEventProcessor<Slot> consumer = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(),
                (EventHandler<Slot>) (slot, sequence, endOfBatch) -> {
                    if (sequence == 0) {
                        inHandler.countDown();
                        release.await();
                    }
                    handled.incrementAndGet();
                });
        ring.addGatingSequences(consumer.getSequence());
        Thread thread = daemon(consumer, "consumer");
        try {
            awaitParked(thread);
            publish(ring, 1);
            assertThat(inHandler.await(30, TimeUnit.SECONDS)).as("the parked consumer was woken").isTrue();
            long woken = wait.wakeups();
            assertThat(woken).isBetween(0L, 1L);

            // The consumer is busy in its handler: 3,000 publishes from three threads signal nobody.
            Thread[] publishers = new Thread[3];
            for (int p = 0; p < publishers.length; p++) {
                publishers[p] = new Thread(() -> publish(ring, 1000));
                publishers[p].start();
            }
            for (Thread publisher : publishers) {
                publisher.join();
            }
            assertThat(wait.wakeups()).as("unparks while the consumer was busy").isEqualTo(woken);

            release.countDown();
            awaitHandled(handled, 3001);
            awaitParked(thread);
            long before = wait.wakeups();
            publish(ring, 1);
            awaitHandled(handled, 3002);
            assertThat(wait.wakeups() - before).isBetween(0L, 1L);
        } finally {
            consumer.halt();
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(thread.isAlive()).as("halt's alert woke the parked consumer").isFalse();
    }

    @Test
    void no_signal_is_lost_between_a_consumer_deciding_to_park_and_a_publisher_publishing() throws Exception {
        for (boolean multiProducer : new boolean[] {true, false}) {
            ParkingWaitStrategy wait = new ParkingWaitStrategy(multiProducer, ParkingWaitStrategy.GRACE_NANOS, AN_HOUR);
            RingBuffer<Slot> ring = multiProducer ? RingBuffer.createMultiProducer(Slot::new, 1024, wait)
                    : RingBuffer.createSingleProducer(Slot::new, 1024, wait);
            AtomicLong handled = new AtomicLong();
            BatchEventProcessor<Slot> consumer = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(),
                    (EventHandler<Slot>) (slot, sequence, endOfBatch) -> handled.incrementAndGet());
            ring.addGatingSequences(consumer.getSequence());
            Thread thread = daemon(consumer, "consumer");
            try {
                // Events one at a time with gaps around the consumer's spin-then-park window, so many publishes
                // land just as it registers or parks; each waits until handled, so each needs its own wake-up.
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 1; i <= 3000; i++) {
                    publish(ring, 1);
                    awaitHandled(handled, i);
                    int gap = random.nextInt(4);
                    if (gap == 1) {
                        Thread.onSpinWait();
                    } else if (gap == 2) {
                        LockSupport.parkNanos(random.nextInt(1, 20_000));
                    } else if (gap == 3) {
                        LockSupport.parkNanos(random.nextInt(20_000, 200_000));
                    }
                }
                assertThat(wait.wakeups()).as("parks happened, so the race was exercised").isPositive();
            } finally {
                consumer.halt();
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    @Test
    void a_stage_behind_another_is_woken_by_that_stage_not_by_publishers() throws Exception {
        ParkingWaitStrategy wait = new ParkingWaitStrategy(true, ParkingWaitStrategy.GRACE_NANOS, AN_HOUR);
        RingBuffer<Slot> ring = RingBuffer.createMultiProducer(Slot::new, 1024, wait);
        Sequence committed = new Sequence(-1);
        CountDownLatch commit = new CountDownLatch(1);
        // First stage: holds event 0 until told, then moves its own sequence and signals the stage behind it.
        BatchEventProcessor<Slot> first = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(),
                (EventHandler<Slot>) (slot, sequence, endOfBatch) -> {
                    commit.await();
                    committed.set(sequence);
                    wait.signalStage();
                });
        AtomicLong handled = new AtomicLong();
        BatchEventProcessor<Slot> second = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(committed),
                (EventHandler<Slot>) (slot, sequence, endOfBatch) -> handled.incrementAndGet());
        ring.addGatingSequences(second.getSequence());
        Thread firstThread = daemon(first, "first");
        Thread secondThread = daemon(second, "second");
        try {
            awaitParked(firstThread);
            awaitParked(secondThread);
            publish(ring, 1);
            awaitBlockedOrWaiting(firstThread);
            assertThat(wait.wakeups()).as("the publish woke the first stage only").isBetween(0L, 1L);
            assertThat(handled.get()).as("the second stage waits for the first, whatever the publish did").isZero();
            long beforeCommit = wait.wakeups();
            commit.countDown();
            awaitHandled(handled, 1);
            assertThat(wait.wakeups() - beforeCommit).as("the commit's signal").isBetween(0L, 1L);
        } finally {
            commit.countDown();
            first.halt();
            second.halt();
            wait.signalStage(); // a halt's alert wakes only cursor waiters; the pipeline's second stage self-wakes
            firstThread.join(TimeUnit.SECONDS.toMillis(30));
            secondThread.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(secondThread.isAlive()).isFalse();
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void publish(RingBuffer<Slot> ring, int events) {
        for (int i = 0; i < events; i++) {
            long sequence = ring.next();
            ring.get(sequence).value = sequence;
            ring.publish(sequence);
        }
    }

    private static void awaitHandled(AtomicLong handled, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (handled.get() < count) {
            assertThat(System.nanoTime() - deadline).as("waiting for event %d (a lost wake-up?)", count).isNegative();
            Thread.onSpinWait();
        }
    }

    /** Until the thread is parked in the strategy (its blocker is the strategy's waiter set). */
    private static void awaitParked(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(thread.getState() == Thread.State.TIMED_WAITING && LockSupport.getBlocker(thread) != null
                && LockSupport.getBlocker(thread).getClass().getSimpleName().equals("Waiters"))) {
            assertThat(System.nanoTime() - deadline).as("%s never parked", thread.getName()).isNegative();
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    /** Until the thread waits on something that is not the strategy (e.g. a latch in its handler). */
    private static void awaitBlockedOrWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (thread.getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime() - deadline).as("%s never reached its handler", thread.getName()).isNegative();
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }
}
