package dev.eventpublisher.batch;

import java.util.Locale;

/** Why a topic group was flushed; each has a counter {@code batches.flushed.<name>}. */
public enum FlushTrigger {
    /** The group reached its batch size. */
    SIZE,
    /** A timer tick found the group older than its batch timeout. */
    TIMEOUT,
    /** The batcher caught up with the producers (policy {@code FLUSH_ALL}). */
    END_OF_BATCH,
    /** Pending events across all topics reached the max batch size; the largest group went. */
    MAX_SIZE,
    /** forceFlush(). */
    FORCED,
    /** close(), and any event that raced in after it. */
    SHUTDOWN,
    /** Exactly-once: a transaction span was due; every group went ahead of its commit mark. */
    COMMIT;

    private final String metricName = name().toLowerCase(Locale.ROOT);

    /** {@code size}, {@code timeout}, {@code end_of_batch}, {@code max_size}, {@code forced}, {@code shutdown}, {@code commit}. */
    public String metricName() {
        return metricName;
    }
}
