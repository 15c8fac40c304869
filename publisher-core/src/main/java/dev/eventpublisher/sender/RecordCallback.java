package dev.eventpublisher.sender;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Kafka's callback for one record sent by {@link KafkaBatchSender}: routes the answer to where it
 * belongs — back to the sender thread when {@code send()} failed on the spot (so it can retry before
 * sending anything else), into the transaction's bookkeeping in transactional mode (nothing is
 * acknowledged before the commit), to the failure routing (dead letters, re-sends), or to the event's
 * {@link Delivery}.
 */
final class RecordCallback implements Callback {
    final Delivery delivery;
    final ProducerRecord<byte[], byte[]> record;
    private final KafkaBatchSender owner;
    /** Transactional mode: what Kafka answered, kept until the commit decides. Written by the I/O thread,
     *  read by the sender thread after commitTransaction/abortTransaction returned (which waits for it). */
    volatile RecordMetadata metadata;
    volatile Exception failure;
    /**
     * Exactly-once span records: Kafka's answer goes straight into the delivery ({@link Delivery#placed}) and
     * {@link #metadata} stays null — a span keeps tens of thousands of these alive until its commit, and every
     * object they hold is copied by each young GC meanwhile. Set by the sender thread before the send.
     */
    boolean placeInDelivery;
    /** The failure came back from the broker (not from the producer's checks inside {@code send()}). */
    volatile boolean failedInFlight;
    /** How many times this event was sent again after a failure that was not its own (0 on the first try). */
    final int resends;
    /** When a queued re-send is due ({@link ResendQueue}). */
    long dueNanos;
    /** Run once Kafka answered (after the delivery heard of it); set by the sender thread before the send. */
    Runnable onAnswered;

    RecordCallback(Delivery delivery, ProducerRecord<byte[], byte[]> record, KafkaBatchSender owner, int resends) {
        this.delivery = delivery;
        this.record = record;
        this.owner = owner;
        this.resends = resends;
    }

    /** The same event, for its next try. */
    RecordCallback again() {
        return new RecordCallback(delivery, record, owner, resends + 1);
    }

    /**
     * The same event for the next try of its transaction, with fresh answers; failing on its own counts as a
     * re-send (an abort because of another event does not).
     */
    RecordCallback retry() {
        boolean ownTry = failure != null && !(failure instanceof org.apache.kafka.common.errors.TransactionAbortedException);
        RecordCallback next = new RecordCallback(delivery, record, owner, ownTry ? resends + 1 : resends);
        next.placeInDelivery = placeInDelivery;
        return next;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception != null && owner.isSendingOnThisThread()) {
            owner.failedOnTheSpot(exception);
            return;
        }
        failedInFlight = exception != null;
        if (owner.transactional()) {
            if (exception == null && placeInDelivery) {
                delivery.placed(metadata.partition(), metadata.offset());
            } else {
                this.metadata = metadata;
            }
            this.failure = exception;
            return;
        }
        if (exception == null) {
            delivery.acknowledge(metadata.partition(), metadata.offset());
        } else {
            owner.failedLater(this, exception);
        }
        if (onAnswered != null) {
            onAnswered.run();
        }
    }
}
