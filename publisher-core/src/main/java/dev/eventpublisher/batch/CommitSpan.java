package dev.eventpublisher.batch;

/**
 * Exactly-once mode: which journal positions the batcher has handed to the sender since the last commit
 * mark, and when the next mark is due. A mark says "every position below {@code next} has been flushed",
 * which is only true right after the batcher flushed every pending group: events of other topics can sit in
 * their groups while one topic flushes. So the batcher flushes all groups and then puts the mark behind them;
 * the sender commits its open Kafka transaction there, with the mark as the committed journal position.
 *
 * <p>Batcher thread only. Time is the latest publish or tick time seen (the batcher never reads a clock).
 */
final class CommitSpan {
    private final long intervalNanos;
    private final int maxEvents;
    private long next;
    private long openedAt;
    private long now;
    private int events;

    CommitSpan(long intervalNanos, int maxEvents) {
        this.intervalNanos = intervalNanos;
        this.maxEvents = maxEvents;
    }

    /** A journalled event reached the batcher (positions arrive in increasing order). */
    void event(long position, long publishNanos) {
        if (position < 0) {
            return;
        }
        next = position + 1;
        now = Math.max(now, publishNanos);
        if (events++ == 0) {
            openedAt = publishNanos;
        }
    }

    void time(long nanos) {
        now = Math.max(now, nanos);
    }

    boolean isOpen() {
        return events > 0;
    }

    /** Whether the span is old or large enough to be committed. */
    boolean due() {
        return events > 0 && (events >= maxEvents || now - openedAt >= intervalNanos);
    }

    /** Closes the span; returns the mark: the first position not covered. */
    long close() {
        events = 0;
        return next;
    }
}
