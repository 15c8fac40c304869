package dev.eventpublisher;

/**
 * The publisher refused an event: it was never accepted, so it has no outcome and is not in Kafka.
 * The caller still owns it and may retry, spill or drop it.
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
        CIRCUIT_OPEN
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
