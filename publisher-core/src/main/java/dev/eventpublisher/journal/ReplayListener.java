package dev.eventpublisher.journal;

import java.util.List;

import org.apache.kafka.common.header.Header;

/**
 * Sees each event the journal replays at start, on the replay thread, before the event enters the ring
 * and before any new event is admitted. For state that must be rebuilt from the backlog (the daemon's
 * idempotency keys). It must not block for long: replay, and so admission, waits for it.
 */
@FunctionalInterface
public interface ReplayListener {
    void replayed(String topic, byte[] key, byte[] value, List<Header> headers, long journalledMillis);
}
