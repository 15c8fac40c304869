package dev.eventpublisher.journal;

import java.util.function.BooleanSupplier;

/**
 * Where a replay may start beyond the journal's own low-water mark. The journal's checkpoint lags what Kafka
 * acknowledged by up to a checkpoint period; in exactly-once mode Kafka's committed position (read by the
 * sender after it fenced any zombie) is exact, and every position below it is skipped.
 */
@FunctionalInterface
public interface ReplayStart {
    /** At-least-once: the journal's own mark is all there is. */
    ReplayStart JOURNAL_MARK = stopped -> 0;

    /**
     * Blocks until known (retrying while Kafka is unreachable). Returns the first position not yet committed
     * in Kafka (0 if it has none), or -1 if {@code stopped} said to give up.
     */
    long await(BooleanSupplier stopped);
}
