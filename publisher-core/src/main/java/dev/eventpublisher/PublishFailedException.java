package dev.eventpublisher;

/**
 * An accepted event failed for good. {@link #reason()} is the failure's counter name: {@code expired},
 * {@code shutdown}, {@code internal} or {@code kafka:<ErrorName>} (e.g. {@code kafka:RecordTooLargeException}).
 */
public final class PublishFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final String reason;

    public PublishFailedException(String topic, String reason, Throwable cause) {
        super("event for topic '" + topic + "' failed (" + reason + ")"
                + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
        this.topic = topic;
        this.reason = reason;
    }

    public String topic() {
        return topic;
    }

    public String reason() {
        return reason;
    }
}
