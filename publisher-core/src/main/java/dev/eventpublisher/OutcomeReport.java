package dev.eventpublisher;

import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of what happened to the events offered to a publisher. After {@code close} returns,
 * {@code accepted == acknowledged + failed()}: every accepted event has exactly one outcome.
 *
 * @param accepted       events the publisher took responsibility for
 * @param acknowledged   accepted events Kafka acknowledged
 * @param failedByReason accepted events that failed, by reason (see {@link PublishFailedException#reason()})
 * @param rejected       events refused because the ring was full or the publisher closed (never accepted)
 * @param dropped        events refused under {@link Backpressure#DROP} (never accepted)
 */
public record OutcomeReport(long accepted, long acknowledged, Map<String, Long> failedByReason,
                            long rejected, long dropped) {

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
        return accepted - acknowledged - failed();
    }

    @Override
    public String toString() {
        return "accepted=" + accepted + " acknowledged=" + acknowledged + " failed=" + failed()
                + (failedByReason.isEmpty() ? "" : " " + new TreeMap<>(failedByReason))
                + " unresolved=" + unresolved() + " rejected=" + rejected + " dropped=" + dropped;
    }
}
