package dev.eventpublisher;

import org.apache.kafka.common.header.Header;

/**
 * One event of a {@link EventPublisher#publishAll} call.
 *
 * @param topic   a legal Kafka topic name
 * @param key     may be null
 * @param value   may be null (a tombstone)
 * @param headers may be null
 */
public record Event(String topic, byte[] key, byte[] value, Iterable<Header> headers) {
}
