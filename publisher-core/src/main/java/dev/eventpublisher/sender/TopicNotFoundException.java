package dev.eventpublisher.sender;

import dev.eventpublisher.outcome.NamedReason;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The topic does not exist and Kafka did not create it within the producer's {@code max.block.ms} (the broker's
 * {@code auto.create.topics.enable} or the producer's {@code allow.auto.create.topics} is off, or a policy refused
 * it). Not retriable: the event fails with reason {@code kafka:UNKNOWN_TOPIC_OR_PARTITION} instead of waiting for
 * a topic nobody creates.
 */
public final class TopicNotFoundException extends ApiException implements NamedReason {
    private static final long serialVersionUID = 1L;

    public TopicNotFoundException(String topic) {
        super("topic '" + topic + "' does not exist and Kafka did not create it (is auto.create.topics.enable off?)");
    }

    @Override
    public String errorName() {
        return Errors.UNKNOWN_TOPIC_OR_PARTITION.name();
    }
}
