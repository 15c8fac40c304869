package dev.eventpublisher.sender;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The outcome slot of one event handed to a {@link BatchSender}: exactly one of {@link #acknowledge}
 * or {@link #fail} takes effect; later calls are ignored. Taking effect counts the outcome, completes
 * the caller's future (if the event was published with one) and releases the flush barrier.
 *
 * <p>It is also the Kafka producer {@link Callback}, so the Kafka sender passes it straight to
 * {@code send()}. Completion runs on Kafka's I/O thread: it only counts and completes a future.
 */
public interface Delivery extends Callback {
    String topic();

    /** The event is stored at {@code partition}/{@code offset}. */
    void acknowledge(int partition, long offset);

    /** The event failed for good; the reason is derived from {@code cause}. */
    void fail(Throwable cause);

    /** The event failed for good with an explicit reason. */
    void fail(String reason, Throwable cause);

    /** Whether an outcome has been recorded. */
    boolean hasOutcome();

    /** The event's journal position; -1 without a journal. A journalled event is never given up for Kafka's faults. */
    default long journalPosition() {
        return -1;
    }

    /**
     * The publisher is closing before Kafka acknowledged this journalled event: it stays in the journal
     * and is sent again by the next start. Counted as {@code deferred}, not as a failure.
     */
    void defer(Throwable cause);

    /**
     * Exactly-once, Kafka's I/O thread: the event is stored at {@code partition}/{@code offset} inside a transaction
     * that has not committed yet. Remembered (while the I/O thread has the event in cache) for
     * {@link #acknowledgePlaced}; {@code -1, -1} forgets an earlier try's place.
     */
    default void placed(int partition, long offset) {
    }

    /** Exactly-once: the transaction holding the event committed; acknowledged where it was last {@link #placed}. */
    default void acknowledgePlaced() {
        acknowledge(-1, -1);
    }

    /** A journalled event failed for Kafka's reason and will be sent again; {@code cause} is why. Not an outcome. */
    default void retrying(Throwable cause) {
    }

    /** Kafka's answer: metadata on success, an exception on failure. */
    @Override
    default void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception == null) {
            acknowledge(metadata.partition(), metadata.offset());
        } else {
            fail(exception);
        }
    }
}
