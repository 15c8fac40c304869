package dev.eventpublisher.outcome;

/**
 * A failure that names its own reason, for failures the pipeline finds itself rather than hears from Kafka's
 * client (a topic Kafka will not create): the reason is Kafka's error name, as a broker would have given it.
 */
public interface NamedReason {
    /** The reason without the {@code kafka:} prefix, e.g. {@code UNKNOWN_TOPIC_OR_PARTITION}. */
    String errorName();
}
