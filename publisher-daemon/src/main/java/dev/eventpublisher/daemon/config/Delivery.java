package dev.eventpublisher.daemon.config;

/** {@code publisher.delivery}: what a consumer of the topics may see after a crash of the daemon. */
public enum Delivery {
    /** Every accepted event is written; a crash can write some twice. */
    AT_LEAST_ONCE,
    /** Every accepted event is written once for a {@code read_committed} consumer (needs the journal). */
    EXACTLY_ONCE
}
