package dev.eventpublisher.metrics;

/**
 * Every metric a publisher registers, named in one place. Names are relative to the publisher's
 * {@code MetricRegistry}; the daemon publishes them over JMX under the domain {@code eventpublisher}.
 */
public final class MetricNames {
    /** Counter: events accepted into the ring. */
    public static final String EVENTS_ACCEPTED = "events.accepted";
    /** Gauge: bytes of events held in memory (ring, batcher, sender, producer) until their outcome; bounded by max-bytes. */
    public static final String EVENTS_HELD_BYTES = "events.held-bytes";
    /** Counter: accepted events Kafka acknowledged. */
    public static final String EVENTS_ACKNOWLEDGED = "events.acknowledged";
    /** Counter: accepted events that failed, any reason. */
    public static final String EVENTS_FAILED = "events.failed";
    /** Counter prefix: accepted events that failed, by reason ({@code events.failed.expired}, ...). */
    public static final String EVENTS_FAILED_PREFIX = "events.failed.";
    /** Counter: events refused because the ring was full (reject, block timeout) or the publisher closed. */
    public static final String EVENTS_REJECTED = "events.rejected";
    /** Counter: events refused under the drop policy. */
    public static final String EVENTS_DROPPED = "events.dropped";
    /** Counter: journalled events from an earlier run, replayed at start. */
    public static final String EVENTS_REPLAYED = "events.replayed";
    /** Counter: journalled events left unacknowledged at close (kept in the journal for the next start). */
    public static final String EVENTS_DEFERRED = "events.deferred";
    /** Histogram: publish call to Kafka acknowledgement, per event, in nanoseconds. */
    public static final String EVENTS_LATENCY_NANOS = "events.publish-to-ack-ns";

    /** Counter prefix: flushed batches by trigger ({@code batches.flushed.size}, ...). */
    public static final String BATCHES_FLUSHED_PREFIX = "batches.flushed.";
    /** Histogram: events per flushed batch. */
    public static final String BATCH_SIZE = "batches.size";

    /** Gauge: free slots in the ring buffer. */
    public static final String RING_REMAINING = "ring.remaining-capacity";
    /** Gauge: ring buffer size. */
    public static final String RING_SIZE = "ring.size";
    /** Gauge: events waiting in topic groups for a flush. */
    public static final String PENDING_EVENTS = "batcher.pending-events";
    /** Gauge: events handed to the sender whose outcome is not known yet. */
    public static final String SENDER_IN_FLIGHT = "sender.in-flight";

    /** Gauge: circuit breaker state, 0 closed, 1 open, 2 half-open. */
    public static final String CIRCUIT_STATE = "circuit.state";
    /** Counter: times the circuit opened. */
    public static final String CIRCUIT_OPENED = "circuit.opened";
    /** Counter: failures that say Kafka (not the event) is the problem: retriable errors, expiry, authentication. */
    public static final String EVENTS_FAILED_INFRASTRUCTURE = "events.failed-infrastructure";

    /** Counter: Kafka producers replaced after a fatal error. */
    public static final String PRODUCER_RECREATED = "producer.recreated";
    /** Gauge: journalled events waiting to be sent again after an infrastructure failure. */
    public static final String SENDER_RESEND_BACKLOG = "sender.resend-backlog";
    /** Gauge: events parked on topics Kafka is still looking up (being created), so they hold up no other topic. */
    public static final String SENDER_WAITING_FOR_METADATA = "sender.waiting-for-metadata";
    /** Counter: times the sender had Kafka send what it held (the pipeline ran dry, or a flush barrier). */
    public static final String SENDER_PRODUCER_FLUSHES = "sender.producer-flushes";
    /** Counter: records retried after {@code send()} refused them. */
    public static final String SENDER_RETRIES = "sender.retries";
    /** Counter: events written to the dead-letter topic. */
    public static final String EVENTS_DEAD_LETTERED = "events.dead-lettered";

    /** Gauge: bytes in the journal's segment files. */
    public static final String JOURNAL_BYTES = "journal.bytes";
    /** Gauge: the journal's segment files. */
    public static final String JOURNAL_SEGMENTS = "journal.segments";
    /** Gauge: journalled events not yet done (acknowledged or failed for good): the backlog a crash would replay. */
    public static final String JOURNAL_UNACKNOWLEDGED = "journal.unacknowledged";
    /** Gauge: age in milliseconds of the oldest unacknowledged journalled event (to within 1,024 events); 0 when none. */
    public static final String JOURNAL_OLDEST_AGE_MS = "journal.oldest-unacknowledged-age-ms";
    /** Gauge: 0 accepting, 1 full, 2 failed (accepts nothing until restarted), 3 replaying. */
    public static final String JOURNAL_STATE = "journal.state";
    /** Histogram: duration of each journal {@code force()} (group commit or interval sync), nanoseconds. */
    public static final String JOURNAL_FSYNC_NANOS = "journal.fsync-ns";
    /** Counter: events refused because the journal was full (max-bytes or a full disk). */
    public static final String JOURNAL_FULL_REFUSALS = "journal.full-refusals";
    /** Counter: events refused because the journal failed (a write or force error). */
    public static final String JOURNAL_FAILED_REFUSALS = "journal.failed-refusals";
    /** Counter: damaged stretches of a journal file found at start (torn tails, bit flips). */
    public static final String JOURNAL_CORRUPT_RECORDS = "journal.corrupt-records";
    /** Counter: bytes cut from torn journal tails at start. */
    public static final String JOURNAL_TRUNCATED_BYTES = "journal.truncated-bytes";
    /** Counter: journal positions lost to damage (unreadable records in sealed segments). */
    public static final String JOURNAL_LOST = "journal.lost-events";
    /** Counter: journalled events sent again after an infrastructure failure (each a possible duplicate in Kafka). */
    public static final String JOURNAL_RESENT = "journal.resent";
    /** Gauge: milliseconds the last start-up replay took (0 before it finished). */
    public static final String JOURNAL_REPLAY_MS = "journal.replay-ms";
    /** Exactly-once: Kafka transactions committed (each covers a range of journal positions). */
    public static final String TRANSACTIONS_COMMITTED = "transactions.committed";
    /** Exactly-once: transactions aborted (and retried from what they held). */
    public static final String TRANSACTIONS_ABORTED = "transactions.aborted";
    /** Exactly-once: the journal position the last committed transaction wrote to the offsets topic. */
    public static final String TRANSACTIONS_COMMITTED_POSITION = "transactions.committed-position";
    /** Exactly-once histogram: how long each {@code commitTransaction()} blocked the sender thread, nanoseconds. */
    public static final String TRANSACTIONS_COMMIT_NANOS = "transactions.commit-ns";
    /** Exactly-once histogram: events per committed transaction. */
    public static final String TRANSACTIONS_EVENTS = "transactions.events";

    /** Counter: exceptions caught in the batcher loop. */
    public static final String ERRORS_BATCHER = "errors.batcher";
    /** Counter: exceptions caught in the sender loop. */
    public static final String ERRORS_SENDER = "errors.sender";

    /** Prefix of the Kafka producer's own metrics, bridged as gauges ({@code kafka.producer.record-send-rate}). */
    public static final String KAFKA_PRODUCER_PREFIX = "kafka.producer.";

    private MetricNames() {
    }
}
