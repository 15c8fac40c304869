package dev.eventpublisher.sender;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

import dev.eventpublisher.Topics;

/**
 * Settings of exactly-once delivery (which needs the journal): events are written in Kafka transactions
 * that each cover a range of journal positions and also write the range's end to {@code offsetsTopic}, so a
 * publisher restarted on the same journal resumes exactly where the last committed transaction ended.
 *
 * @param interval     a transaction is committed at least this often while events flow (acknowledgement waits for it)
 * @param maxEvents    ... or as soon as it holds this many events
 * @param offsetsTopic the compacted topic holding each journal's committed position (created if absent)
 * @param idPrefix     the producer's {@code transactional.id} is {@code <idPrefix>-<journal id>}: stable for a journal
 */
public record ExactlyOnceConfig(Duration interval, int maxEvents, String offsetsTopic, String idPrefix) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);
    public static final int DEFAULT_MAX_EVENTS = 200_000;
    public static final String DEFAULT_OFFSETS_TOPIC = "publisher-offsets";
    public static final String DEFAULT_ID_PREFIX = "publisher";

    public ExactlyOnceConfig {
        Objects.requireNonNull(interval, "exactlyOnce.interval");
    }

    /** 100 ms transactions of at most 200,000 events; positions in {@code publisher-offsets}. */
    public static ExactlyOnceConfig defaults() {
        return new ExactlyOnceConfig(DEFAULT_INTERVAL, DEFAULT_MAX_EVENTS, DEFAULT_OFFSETS_TOPIC, DEFAULT_ID_PREFIX);
    }

    public ExactlyOnceConfig interval(Duration value) {
        return new ExactlyOnceConfig(value, maxEvents, offsetsTopic, idPrefix);
    }

    public ExactlyOnceConfig maxEvents(int value) {
        return new ExactlyOnceConfig(interval, value, offsetsTopic, idPrefix);
    }

    public ExactlyOnceConfig offsetsTopic(String value) {
        return new ExactlyOnceConfig(interval, maxEvents, value, idPrefix);
    }

    public ExactlyOnceConfig idPrefix(String value) {
        return new ExactlyOnceConfig(interval, maxEvents, offsetsTopic, value);
    }

    /** The producer's {@code transactional.id} for the journal with this id. */
    public String transactionalId(UUID journalId) {
        return idPrefix + "-" + journalId;
    }

    /**
     * Checks every value against Kafka's {@code transaction.timeout.ms} (the producer's, Kafka's default 60 s
     * if null): a transaction must be committed well before the broker would abort it.
     */
    public ExactlyOnceConfig validate(Object transactionTimeoutMs) {
        if (interval.isNegative() || interval.isZero()) {
            throw invalid("exactlyOnce.interval", interval, "must be a positive duration");
        }
        long timeoutMs = transactionTimeoutMs == null ? 60_000 : Long.parseLong(transactionTimeoutMs.toString().trim());
        if (interval.toMillis() * 2 > timeoutMs) {
            throw invalid("exactlyOnce.interval", interval, "must be at most half of the producer's transaction.timeout.ms ("
                    + timeoutMs + " ms)");
        }
        if (maxEvents < 1) {
            throw invalid("exactlyOnce.maxEvents", maxEvents, "must be >= 1");
        }
        try {
            Topics.validate(offsetsTopic);
        } catch (IllegalArgumentException e) {
            throw invalid("exactlyOnce.offsetsTopic", offsetsTopic, e.getMessage());
        }
        if (idPrefix == null || idPrefix.isBlank() || idPrefix.length() > 200) {
            throw invalid("exactlyOnce.idPrefix", idPrefix, "must be 1-200 characters");
        }
        return this;
    }

    private static IllegalArgumentException invalid(String setting, Object value, String rule) {
        return new IllegalArgumentException("invalid " + setting + "=" + value + ": " + rule);
    }
}
