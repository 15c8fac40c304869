package dev.eventpublisher.sender;

import java.util.ArrayList;
import java.util.List;

import dev.eventpublisher.RetryPolicy;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transactional mode of {@link KafkaBatchSender}: a list of records (a flushed batch, or due re-sends)
 * as one Kafka transaction. Its events are acknowledged only after the commit. A retriable or fencing
 * failure retries the whole list in a new transaction; a record that fails for a reason of its own aborts
 * it, and then every event of the list fails (the culprit with its reason, the others with
 * {@link TransactionAbortedException}) — journalled ones are sent again, the culprit excepted.
 *
 * <p>Sender thread only.
 */
final class TransactionalSend {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalSend.class);

    private final KafkaBatchSender owner;
    private final ProducerHolder holder;
    private final RetryPolicy retry;

    TransactionalSend(KafkaBatchSender owner, ProducerHolder holder, RetryPolicy retry) {
        this.owner = owner;
        this.holder = holder;
        this.retry = retry;
    }

    void send(List<RecordCallback> records, String what) {
        long firstTry = System.nanoTime();
        List<RecordCallback> sent = new ArrayList<>(records.size());
        for (int attempt = 1; ; attempt++) {
            sent.clear();
            Exception failure = null;
            RecordCallback culprit = null;
            try {
                holder.producer().beginTransaction();
                for (int i = 0; i < records.size() && failure == null; i++) {
                    RecordCallback original = records.get(i);
                    RecordCallback c = new RecordCallback(original.delivery, original.record, owner, original.resends);
                    sent.add(c);
                    failure = owner.sendOnce(c.record, c);
                    culprit = failure == null ? null : c;
                }
                if (failure == null) {
                    holder.producer().commitTransaction();
                }
            } catch (KafkaException | IllegalStateException e) {
                failure = e;
            }
            if (failure == null) {
                for (RecordCallback c : sent) {
                    c.delivery.acknowledge(c.metadata.partition(), c.metadata.offset());
                }
                return;
            }
            for (RecordCallback c : sent) {
                if (culprit == null && c.failure != null && !(c.failure instanceof TransactionAbortedException)
                        && !owner.isFatal(c.failure)) {
                    culprit = c; // a record of its own failed (e.g. too large for the broker)
                }
            }
            owner.abortQuietly(failure);
            Throwable reason = culprit != null ? (culprit.failure != null ? culprit.failure : failure) : failure;
            boolean wholeListMayRetry = culprit == null || retry.shouldRetry(reason, 1, firstTry, System.nanoTime());
            owner.replaceProducerIfFatal();
            if (!owner.isClosing() && wholeListMayRetry
                    && (owner.isFatal(failure) || retry.shouldRetry(failure, attempt, firstTry, System.nanoTime()))
                    && attempt < retry.maxAttempts()) {
                owner.countRetry();
                LOG.warn("transaction for {} failed ({}); retrying it whole", what, failure.toString());
                owner.pause(retry.backoffNanos(attempt));
                continue;
            }
            for (RecordCallback c : sent) {
                owner.failedForGood(c, c == culprit ? asException(reason)
                        : new TransactionAbortedException("transaction of " + records.size() + " events aborted: " + reason));
            }
            for (int i = sent.size(); i < records.size(); i++) {
                owner.failedForGood(records.get(i),
                        new TransactionAbortedException("transaction aborted before this event was sent: " + reason));
            }
            return;
        }
    }

    private static Exception asException(Throwable t) {
        return t instanceof Exception e ? e : new KafkaException(t);
    }
}
