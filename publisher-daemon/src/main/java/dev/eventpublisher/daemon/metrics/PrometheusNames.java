package dev.eventpublisher.daemon.metrics;

import java.util.HashMap;
import java.util.Map;

/**
 * How each Dropwizard metric is named in Prometheus: {@code publisher_} snake_case families in base units
 * (seconds, bytes), counters without their {@code _total} (the writer adds it), families of related
 * counters folded into one with a label ({@code events.failed.expired} becomes
 * {@code publisher_events_failed_by_reason_total{reason="expired"}}), and a HELP line for each. A metric
 * missing here is still exported under a generic name, with a HELP line saying so; a test keeps that
 * from happening to any metric the daemon registers.
 */
final class PrometheusNames {
    /** How to read the Dropwizard value: a counter, a gauge or a summary of a histogram; scale to base units. */
    enum Kind { COUNTER, GAUGE, SUMMARY }

    /** A family and, when several Dropwizard metrics share it, the label that tells them apart. */
    record Family(String name, Kind kind, double scale, String help, String label, String labelValue) {
        Family withLabel(String label, String value) {
            return new Family(name, kind, scale, help, label, value);
        }
    }

    static final String GENERIC_HELP = "Dropwizard metric without a Prometheus description: ";
    private static final double NANOS = 1e-9;
    private static final double MILLIS = 1e-3;
    private static final Map<String, Family> EXACT = new HashMap<>();

    static {
        counter("events.accepted", "events_accepted", "Events accepted into the ring (HTTP 202 or a returned future).");
        counter("events.acknowledged", "events_acknowledged", "Accepted events Kafka acknowledged.");
        counter("events.failed", "events_failed", "Accepted events that failed for good, any reason (by reason: publisher_events_failed_by_reason_total).");
        counter("events.failed-infrastructure", "events_failed_infrastructure", "Failures blamed on Kafka rather than the event (retriable errors, expiry, authentication).");
        counter("events.rejected", "events_rejected", "Events refused because the ring was full or the publisher closed (HTTP 503).");
        counter("events.dropped", "events_dropped", "Events refused under the drop back-pressure policy.");
        counter("events.replayed", "events_replayed", "Journalled events from an earlier run replayed at start.");
        counter("events.deferred", "events_deferred", "Journalled events left unacknowledged at shutdown (kept in the journal for the next start).");
        counter("events.dead-lettered", "events_dead_lettered", "Events written to the dead-letter topic.");
        counter("circuit.opened", "circuit_opened", "Times the circuit breaker opened.");
        counter("producer.recreated", "producer_recreated", "Kafka producers replaced after a fatal error.");
        counter("sender.producer-flushes", "sender_producer_flushes", "Times the sender had Kafka send what it held: the pipeline ran dry (kafka.flush-when-idle) or a flush barrier.");
        counter("sender.retries", "sender_retries", "Records retried after Kafka's send() refused them.");
        labelled("errors.batcher", "errors", Kind.COUNTER, 1, "Exceptions caught in a pipeline loop (should stay 0).", "loop", "batcher");
        labelled("errors.sender", "errors", Kind.COUNTER, 1, "Exceptions caught in a pipeline loop (should stay 0).", "loop", "sender");
        labelled("journal.full-refusals", "journal_refused_events", Kind.COUNTER, 1, "Events the journal refused: full (max-bytes or a full disk) or failed (a write or fsync error).", "reason", "full");
        labelled("journal.failed-refusals", "journal_refused_events", Kind.COUNTER, 1, "Events the journal refused: full (max-bytes or a full disk) or failed (a write or fsync error).", "reason", "failed");
        counter("journal.corrupt-records", "journal_corrupt_records", "Damaged stretches of journal files found at start (should stay 0).");
        counter("journal.truncated-bytes", "journal_truncated_bytes", "Bytes cut from torn journal tails at start.");
        counter("journal.lost-events", "journal_lost_events", "Journal positions lost to damage in sealed files (should stay 0).");
        counter("journal.resent", "journal_resent_events", "Journalled events sent again after a Kafka failure (each a possible duplicate under at-least-once).");
        counter("transactions.committed", "transactions_committed", "Exactly-once: Kafka transactions committed.");
        counter("transactions.aborted", "transactions_aborted", "Exactly-once: Kafka transactions aborted (their events are written again).");
        counter("http.idempotency.replayed", "http_idempotency_replayed", "Requests answered from the Idempotency-Key window (a recognised retry).");
        counter("http.idempotency.conflicts", "http_idempotency_conflicts", "Idempotency-Key conflicts: 409 (still in progress) and 422 (reused for other events).");
        counter("http.idempotency.evicted-early", "http_idempotency_evicted_early", "Idempotency keys dropped before their window ended because the capacity was full.");
        counter("http.idempotency.log-errors", "http_idempotency_log_errors", "Idempotency keys that could not be written next to the journal (should stay 0).");
        counter("http.traceparent.malformed", "http_traceparent_malformed", "Requests whose traceparent header was malformed (not copied to the records).");

        gauge("batcher.pending-events", "batcher_pending_events", 1, "Events waiting in topic groups for a flush.");
        gauge("events.held-bytes", "events_held_bytes", 1, "Bytes of accepted events held in memory (ring, batcher, sender, producer) until Kafka answers; bounded by ring.max-bytes (503 memory_full).");
        gauge("circuit.state", "circuit_state", 1, "Circuit breaker: 0 closed, 1 open, 2 half-open.");
        gauge("ring.remaining-capacity", "ring_free_slots", 1, "Free slots in the ring buffer.");
        gauge("ring.size", "ring_slots", 1, "Slots in the ring buffer.");
        gauge("sender.in-flight", "sender_in_flight_events", 1, "Events handed to the Kafka producer whose outcome is not known yet.");
        gauge("sender.resend-backlog", "sender_resend_backlog_events", 1, "Journalled events waiting to be sent again after a Kafka failure.");
        gauge("sender.waiting-for-metadata", "sender_waiting_for_metadata_events", 1, "Events parked on topics Kafka is still looking up or creating.");
        gauge("journal.bytes", "journal_bytes", 1, "Bytes in the journal's segment files.");
        gauge("journal.segments", "journal_segments", 1, "The journal's segment files.");
        gauge("journal.state", "journal_state", 1, "Journal: 0 accepting, 1 full, 2 failed (restart needed), 3 replaying.");
        gauge("journal.unacknowledged", "journal_unacknowledged_events", 1, "Journalled events not yet done: what a crash now would replay.");
        gauge("journal.oldest-unacknowledged-age-ms", "journal_oldest_unacknowledged_age_seconds", MILLIS, "Age of the oldest unacknowledged journalled event; 0 when none.");
        gauge("journal.replay-ms", "journal_replay_duration_seconds", MILLIS, "How long the last start-up replay took (0 before it finished).");
        gauge("transactions.committed-position", "transactions_committed_position", 1, "Exactly-once: the journal position the last committed transaction covers up to.");
        gauge("http.idempotency.keys", "http_idempotency_keys", 1, "Idempotency keys in the window.");

        summary("events.publish-to-ack-ns", "events_publish_to_ack_seconds", NANOS, "From publish (or HTTP acceptance) to Kafka's acknowledgement, per event (recent sample).");
        summary("journal.fsync-ns", "journal_fsync_seconds", NANOS, "Duration of each journal fsync (group commit or interval).");
        summary("transactions.commit-ns", "transactions_commit_seconds", NANOS, "Exactly-once: how long each commitTransaction() blocked the sender.");
        summary("batches.size", "batch_size_events", 1, "Events per flushed batch.");
        summary("transactions.events", "transaction_size_events", 1, "Exactly-once: events per committed transaction.");
    }

    private PrometheusNames() {
    }

    private static void counter(String dropwizard, String name, String help) {
        EXACT.put(dropwizard, new Family("publisher_" + name, Kind.COUNTER, 1, help, null, null));
    }

    private static void gauge(String dropwizard, String name, double scale, String help) {
        EXACT.put(dropwizard, new Family("publisher_" + name, Kind.GAUGE, scale, help, null, null));
    }

    private static void summary(String dropwizard, String name, double scale, String help) {
        EXACT.put(dropwizard, new Family("publisher_" + name, Kind.SUMMARY, scale, help, null, null));
    }

    private static void labelled(String dropwizard, String name, Kind kind, double scale, String help, String label, String value) {
        EXACT.put(dropwizard, new Family("publisher_" + name, kind, scale, help, label, value));
    }

    /** The family of a Dropwizard metric; {@code kind} is what the registry holds (for the generic fallback). */
    static Family of(String dropwizard, Kind kind) {
        Family exact = EXACT.get(dropwizard);
        if (exact != null) {
            return exact;
        }
        if (dropwizard.startsWith("events.failed.")) {
            return new Family("publisher_events_failed_by_reason", Kind.COUNTER, 1,
                    "Accepted events that failed for good, by reason (e.g. expired, kafka:RecordTooLargeException, shutdown).",
                    "reason", dropwizard.substring("events.failed.".length()));
        }
        if (dropwizard.startsWith("batches.flushed.")) {
            return new Family("publisher_batches_flushed", Kind.COUNTER, 1,
                    "Batches flushed, by trigger (size, timeout, end_of_batch, max_size, forced, shutdown, commit).",
                    "trigger", dropwizard.substring("batches.flushed.".length()));
        }
        if (dropwizard.startsWith("http.responses.")) {
            return new Family("publisher_http_responses", Kind.COUNTER, 1, "HTTP responses, by status class.",
                    "class", dropwizard.substring("http.responses.".length()));
        }
        if (dropwizard.startsWith("kafka.producer.")) {
            return KafkaProducerNames.of(dropwizard.substring("kafka.producer.".length()));
        }
        return new Family("publisher_" + snake(dropwizard), kind, 1, GENERIC_HELP + dropwizard, null, null);
    }

    static String snake(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                if (out.length() > 0 && out.charAt(out.length() - 1) != '_') {
                    out.append('_');
                }
                out.append(Character.toLowerCase(c));
            } else if (Character.isLetterOrDigit(c)) {
                out.append(c);
            } else if (out.length() > 0 && out.charAt(out.length() - 1) != '_') {
                out.append('_');
            }
        }
        return out.toString();
    }
}
