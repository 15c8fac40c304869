package dev.eventpublisher.journal;

import java.util.List;

import org.apache.kafka.common.header.Header;

/** One event read back from the journal. */
record JournalRecord(long position, long journalledMillis, String topic, byte[] key, byte[] value, List<Header> headers) {
}
