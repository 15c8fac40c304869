package dev.eventpublisher;

/**
 * The publisher refused an event: it was never accepted, so it has no outcome and is not in Kafka.
 * The caller still owns it and may retry, spill or drop it. Thrown by {@code publish}, or — with a
 * journal, which decides after the call returned — the exception of the event's future and of its
 * {@link PublishFuture#accepted()}.
 */
public final class PublishRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why an event was refused. */
    public enum Reason {
        /** The ring was full and the policy is {@link Backpressure#REJECT} (or a non-blocking call). */
        RING_FULL,
        /** The ring stayed full for the whole block timeout ({@link Backpressure#BLOCK}). */
        BLOCK_TIMEOUT,
        /** The ring was full and the policy is {@link Backpressure#DROP}. */
        DROPPED,
        /** The publisher is closing or closed. */
        CLOSED,
        /** Kafka is not taking events (the circuit breaker is open). */
        CIRCUIT_OPEN,
        /** The journal holds its {@code maxBytes}, or the disk is full. */
        JOURNAL_FULL,
        /** The journal could not make events durable (a failed write or {@code force()}); it accepts nothing more. */
        JOURNAL_FAILED,
        /** The publisher is still handing the journal's backlog from before a restart to Kafka; new events come after. */
        REPLAYING,
        /** The events held in memory, not yet in Kafka, fill the publisher's byte budget ({@code maxBytes}). */
        MEMORY_FULL
    }

    private final Reason reason;

    public PublishRejectedException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
