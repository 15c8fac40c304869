package dev.eventpublisher.batch;

import java.util.Map;

/**
 * Batch size and timeout per topic: the defaults, or a topic's override. Immutable.
 */
public final class TopicRules {
    /** A topic's flush thresholds. */
    public record Rule(int batchSize, long timeoutNanos) {
    }

    private final Rule defaults;
    private final Map<String, Rule> overrides;

    public TopicRules(Rule defaults, Map<String, Rule> overrides) {
        this.defaults = defaults;
        this.overrides = Map.copyOf(overrides);
    }

    public Rule forTopic(String topic) {
        return overrides.getOrDefault(topic, defaults);
    }

    public Rule defaults() {
        return defaults;
    }
}
