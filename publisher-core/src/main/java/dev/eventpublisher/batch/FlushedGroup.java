package dev.eventpublisher.batch;

import dev.eventpublisher.sender.EventFuture;
import org.apache.kafka.common.header.Header;

/**
 * The events of one topic group being flushed, oldest first. Valid only during
 * {@link BatchOutput#flush}: the batcher reuses the storage afterwards.
 */
public interface FlushedGroup {
    String topic();

    int size();

    byte[] key(int i);

    byte[] value(int i);

    Iterable<Header> headers(int i);

    /** The caller's future, or null for fire-and-forget events. */
    EventFuture future(int i);

    long publishNanos(int i);

    /** The event's journal position; -1 without a journal. */
    long position(int i);
}
