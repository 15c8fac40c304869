package dev.eventpublisher;

/**
 * An event larger than the largest record Kafka's producer takes ({@code max.request.size}, and
 * {@code buffer.memory}): refused before acceptance, as Kafka would refuse it after. Nothing was accepted.
 */
public final class EventTooLargeException extends IllegalArgumentException {
    private final long bytes;
    private final long limit;

    EventTooLargeException(String topic, long bytes, long limit, String limitName) {
        super("event for topic '" + topic + "' is " + bytes + " bytes as a Kafka record; the largest accepted is "
                + limit + " bytes (" + limitName + ")");
        this.bytes = bytes;
        this.limit = limit;
    }

    /** The event's size as a Kafka record (key, value, headers and the record batch's overhead). */
    public long bytes() {
        return bytes;
    }

    /** The largest size accepted. */
    public long limit() {
        return limit;
    }
}
