package dev.eventpublisher.sender;

import org.apache.kafka.common.header.Header;

/**
 * One flushed topic batch, as a {@link BatchSender} sees it: events of a single topic in publish order.
 * Valid only during {@link BatchSender#send}; the pipeline reuses it afterwards.
 */
public interface OutgoingBatch {
    String topic();

    int size();

    /** The key of event {@code i} (may be null). */
    byte[] key(int i);

    /** The value of event {@code i} (may be null: a tombstone). */
    byte[] value(int i);

    /** The headers of event {@code i} (may be null). */
    Iterable<Header> headers(int i);

    /** Where the outcome of event {@code i} must be reported, exactly once, now or later. */
    Delivery delivery(int i);
}
