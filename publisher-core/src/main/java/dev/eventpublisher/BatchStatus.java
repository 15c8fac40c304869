package dev.eventpublisher;

import java.time.Duration;

/**
 * A snapshot of the batcher, in the shape of the seed system's batch metrics.
 *
 * @param pendingEvents     events accepted by the batcher and waiting in a topic group for a flush
 * @param batchSize         configured default flush size (events per topic)
 * @param batchTimeout      configured default age after which a topic group is flushed
 * @param maxBatchSize      configured cap on pending events across all topics
 * @param hasScheduledFlush true while some group is pending, i.e. a timeout flush is due
 */
public record BatchStatus(int pendingEvents, int batchSize, Duration batchTimeout, int maxBatchSize,
                          boolean hasScheduledFlush) {
}
