package dev.eventpublisher;

import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of what happened to the events offered to a publisher. After {@code close} returns,
 * {@code accepted + replayed == acknowledged + failed() + deferred}: every accepted event has exactly one
 * outcome.
 *
 * @param accepted       events the publisher took responsibility for (with a journal: journalled)
 * @param replayed       events journalled by an earlier run without an acknowledgement, sent again by this one
 * @param acknowledged   accepted or replayed events Kafka acknowledged
 * @param failedByReason accepted or replayed events that failed, by reason (see {@link PublishFailedException#reason()})
 * @param deferred       journalled events left unacknowledged at close: still in the journal, sent by the next start
 * @param rejected       events refused because the ring or journal was full, or the publisher closed (never accepted)
 * @param dropped        events refused under {@link Backpressure#DROP} (never accepted)
 */
public record OutcomeReport(long accepted, long replayed, long acknowledged, Map<String, Long> failedByReason,
                            long deferred, long rejected, long dropped) {

    public OutcomeReport {
        failedByReason = Map.copyOf(failedByReason);
    }

    /** All failed events, whatever the reason. */
    public long failed() {
        long sum = 0;
        for (long n : failedByReason.values()) {
            sum += n;
        }
        return sum;
    }

    /** Accepted events without an outcome yet: in the ring, in a batch or in flight to Kafka. */
    public long unresolved() {
        return accepted + replayed - acknowledged - failed() - deferred;
    }

    @Override
    public String toString() {
        return "accepted=" + accepted + (replayed == 0 ? "" : " replayed=" + replayed) + " acknowledged=" + acknowledged
                + " failed=" + failed() + (failedByReason.isEmpty() ? "" : " " + new TreeMap<>(failedByReason))
                + (deferred == 0 ? "" : " deferred=" + deferred)
                + " unresolved=" + unresolved() + " rejected=" + rejected + " dropped=" + dropped;
    }
}
