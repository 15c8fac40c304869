package dev.eventpublisher.sender;

import org.apache.kafka.common.errors.ApiException;

/**
 * The topic does not exist and Kafka did not create it when asked (the broker's {@code auto.create.topics.enable}
 * is off, or a policy refused it). Not retriable: the event fails with reason {@code kafka:TopicNotFoundException}
 * instead of waiting for a topic nobody creates.
 */
public final class TopicNotFoundException extends ApiException {
    private static final long serialVersionUID = 1L;

    public TopicNotFoundException(String topic) {
        super("topic '" + topic + "' does not exist and Kafka did not create it (is auto.create.topics.enable off?)");
    }
}
