package dev.eventpublisher.daemon.jmx;

/**
 * {@code eventpublisher:type=BatchPublisher}: the seed's batch status plus outcome counts, and a
 * {@link #forceFlush()} operation. Read it with jconsole or any JMX client.
 */
public interface BatchPublisherMXBean {
    int getPendingEvents();

    int getBatchSize();

    long getBatchTimeoutMs();

    int getMaxBatchSize();

    boolean isHasScheduledFlush();

    long getAcceptedEvents();

    long getAcknowledgedEvents();

    long getFailedEvents();

    long getRejectedEvents();

    long getDroppedEvents();

    /** CLOSED, OPEN, HALF_OPEN or DISABLED. */
    String getCircuitState();

    /** OK, FULL, FAILED, REPLAYING, or DISABLED without a journal. */
    String getJournalState();

    /** Flushes every topic group and waits (up to 30 s) until everything accepted so far has its outcome. */
    String forceFlush();
}
