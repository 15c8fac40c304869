package dev.eventpublisher.sender;

import java.time.Duration;

/**
 * A {@link BatchSender} that acknowledges every event at once without sending it anywhere (partition
 * and offset -1). For dry runs and for measuring the pipeline alone.
 */
public final class DiscardingBatchSender implements BatchSender {
    @Override
    public void send(OutgoingBatch batch) {
        for (int i = 0, n = batch.size(); i < n; i++) {
            batch.delivery(i).acknowledge(-1, -1L);
        }
    }

    @Override
    public void close(Duration timeout) {
        // nothing outstanding: every event was acknowledged in send
    }
}
