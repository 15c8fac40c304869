package dev.eventpublisher.journal;

import java.util.List;

import org.apache.kafka.common.header.Header;

/**
 * Sees each event the journal holds from its checkpointed low-water mark on, at start, in journal order, on
 * the replay thread, before the event enters the ring and before any new event is admitted. That includes,
 * in exactly-once mode, events Kafka had already committed when the checkpoint had not yet caught up with
 * them (seen, not sent again). For state that must be rebuilt from the backlog (the daemon's idempotency
 * keys). It must not block for long: replay, and so admission, waits for it.
 */
@FunctionalInterface
public interface ReplayListener {
    void replayed(String topic, byte[] key, byte[] value, List<Header> headers, long journalledMillis);
}
