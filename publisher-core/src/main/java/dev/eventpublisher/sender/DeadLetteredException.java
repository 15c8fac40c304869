package dev.eventpublisher.sender;

import dev.eventpublisher.PublishResult;

/**
 * The cause of an event's failure with reason {@code dead_letter}: the event could not go to its topic
 * (the cause of this exception says why) and was stored in the dead-letter topic instead.
 */
public final class DeadLetteredException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient PublishResult storedAt;

    public DeadLetteredException(PublishResult storedAt, Throwable original) {
        super("stored in dead-letter topic " + storedAt.topic() + " (partition " + storedAt.partition() + ", offset "
                + storedAt.offset() + ") after " + original, original);
        this.storedAt = storedAt;
    }

    /** Where the dead-letter copy is. */
    public PublishResult storedAt() {
        return storedAt;
    }
}
