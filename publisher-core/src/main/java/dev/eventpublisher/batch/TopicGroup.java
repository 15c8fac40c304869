package dev.eventpublisher.batch;

/**
 * The pending events of one topic: a linked list through {@link PendingEvents}' slots, oldest first.
 * Owned by the batcher thread.
 */
final class TopicGroup {
    final String topic;
    final int batchSize;
    final long timeoutNanos;
    /** First and last slot index in PendingEvents; -1 when empty. */
    int head = -1;
    int tail = -1;
    int count;
    /** Publish time of the oldest pending event; the timeout counts from it. */
    long oldestNanos;
    /** Position in the batcher's list of non-empty groups; -1 when empty. */
    int activeIndex = -1;

    TopicGroup(String topic, TopicRules.Rule rule) {
        this.topic = topic;
        this.batchSize = rule.batchSize();
        this.timeoutNanos = rule.timeoutNanos();
    }

    boolean isEmpty() {
        return count == 0;
    }
}
