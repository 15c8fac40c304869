package dev.eventpublisher.sender;

import java.time.Duration;

/**
 * The seam between the batcher and Kafka. The real one is {@link KafkaBatchSender}; tests and
 * benchmarks plug in recording or discarding ones.
 *
 * <p>Contract: {@link #send} is called on the single sender thread. For every event it must report
 * exactly one outcome through {@link OutgoingBatch#delivery(int)}, synchronously or later from any
 * thread; it should not throw (if it does, the pipeline fails the batch's unreported events with
 * reason {@code internal}). It must not block indefinitely once {@link #close} has been called.
 * A sender that wraps another must pass every call on, {@link #needsMaintenance} and {@link #maintain} too:
 * {@link KafkaBatchSender} finishes work there (records parked until their topic's metadata came, re-sends).
 */
public interface BatchSender {
    /** Sends one topic batch. */
    void send(OutgoingBatch batch);

    /**
     * Exactly-once mode: every journalled event below {@code nextPosition} has been passed to {@link #send};
     * commit them (with the position) as one transaction, and acknowledge them once it is committed.
     * Not called in at-least-once mode.
     */
    default void commit(long nextPosition) {
    }

    /**
     * Sender thread: nothing more is waiting to be sent for now (the last batch handed over had nothing behind it).
     * A sender that holds records back to fill larger requests should send them now.
     */
    default void idle() {
    }

    /**
     * Sender thread, at a flush barrier ({@code forceFlush}, close): whatever the sender holds back should be sent
     * now, so the barrier waits for Kafka's answer and not for a linger. Must not block.
     */
    default void flushHeld() {
    }

    /** Whether {@link #maintain()} has work (any thread; cheap): the timer then wakes the sender thread. */
    default boolean needsMaintenance() {
        return false;
    }

    /** Periodic work on the sender thread between batches (retries, dead letters, replacing a producer). */
    default void maintain() {
    }

    /**
     * Waits up to {@code timeout} for outstanding outcomes, then fails whatever is left and releases
     * resources. Called once, from the closing thread, after the last {@link #send}.
     */
    void close(Duration timeout);
}
