package dev.eventpublisher;

import java.time.Duration;

/**
 * Per-topic batching overrides; a null field inherits the publisher's default.
 *
 * @param batchSize    flush when the topic's group holds this many events
 * @param batchTimeout flush when the topic's oldest pending event is this old
 */
public record TopicSettings(Integer batchSize, Duration batchTimeout) {
}
