package dev.eventpublisher.sender;

import java.util.ArrayList;
import java.util.List;

import com.codahale.metrics.Counter;
import dev.eventpublisher.PublishResult;
import dev.eventpublisher.RetryPolicy;
import dev.eventpublisher.outcome.Outcomes;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once mode of {@link KafkaBatchSender}: one Kafka transaction spans every batch flushed between two
 * commit marks of the batcher, and ends with the journal position of the mark written to the offsets topic
 * ({@link CommittedPositions}) in the same transaction. Its events are acknowledged only after the commit.
 *
 * <p>A failed transaction is aborted and written again, whole, until it commits (the events behind it wait:
 * the committed position is a prefix of the journal). An event that failed for a reason of its own is taken
 * out first — failed, or dead-lettered inside the next try — so it cannot stall the rest. When the outcome of
 * a commit is unknown (it threw after the request may have reached the coordinator), a new producer's
 * {@code initTransactions()} settles it and the offsets topic says which way it went: written again only if
 * it did not commit. Closing leaves what is uncommitted in the journal for the next start.
 *
 * <p>Sender thread only.
 */
final class TransactionSpan {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionSpan.class);

    /** A dead letter written in place of an event that failed for a reason of its own. */
    private record Letter(RecordCallback write, Exception cause) {
    }

    private final KafkaBatchSender owner;
    private final ProducerHolder holder;
    private final RetryPolicy retry;
    private final CommittedPositions positions;
    private final String deadLetterTopic;
    private final Counter committed;
    private final Counter aborted;
    private final Counter deadLettered;
    private final com.codahale.metrics.Histogram commitNanos;
    private final com.codahale.metrics.Histogram eventsPerCommit;
    /** Completes the deliveries of committed transactions, in commit order. */
    private final java.util.concurrent.ExecutorService settler;
    private List<RecordCallback> records = new ArrayList<>();
    /**
     * The deliveries of {@link #records}, in the same order: the commit completes these alone, so its walk over
     * tens of thousands of events written ~100 ms earlier touches one cold object per event, not three.
     */
    private List<Delivery> deliveries = new ArrayList<>();
    private List<Letter> letters = new ArrayList<>();
    private boolean open;
    /** The producer the open transaction belongs to: a replaced producer cannot finish it. */
    private org.apache.kafka.clients.producer.Producer<byte[], byte[]> inTransaction;
    private Exception broken;
    private volatile long committedNext;

    TransactionSpan(KafkaBatchSender owner, ProducerHolder holder, RetryPolicy retry, CommittedPositions positions,
                    String deadLetterTopic, Counter committed, Counter aborted, Counter deadLettered,
                    com.codahale.metrics.Histogram commitNanos, com.codahale.metrics.Histogram eventsPerCommit) {
        this.owner = owner;
        this.holder = holder;
        this.retry = retry;
        this.positions = positions;
        this.deadLetterTopic = deadLetterTopic;
        this.committed = committed;
        this.aborted = aborted;
        this.deadLettered = deadLettered;
        this.commitNanos = commitNanos;
        this.eventsPerCommit = eventsPerCommit;
        this.settler = java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "publisher-commit-settler");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starting thread, before any event: what Kafka has committed for this journal. */
    void start(long committedPosition) {
        committedNext = committedPosition;
    }

    long committedPosition() {
        return committedNext;
    }

    /** One more event joins the open transaction (begun by the first). */
    void add(RecordCallback c) {
        c.placeInDelivery = true;
        records.add(c);
        deliveries.add(c.delivery);
        write(c);
    }

    private void write(RecordCallback c) {
        if (broken != null) {
            return; // the transaction cannot commit; the retry writes this one
        }
        if (open && holder.producer() != inTransaction) {
            broken = new KafkaException("the producer was replaced during the transaction");
            return;
        }
        try {
            if (!open) {
                inTransaction = holder.producer();
                inTransaction.beginTransaction();
                open = true;
            }
            Exception refused = owner.sendOnce(c.record, c);
            if (refused != null) {
                c.failure = refused;
                broken = refused;
            }
        } catch (KafkaException | IllegalStateException e) {
            broken = e;
        }
    }

    /** Commits everything added so far with {@code next} as the journal's committed position; retries until it does. */
    void commit(long next) {
        if (records.isEmpty() && letters.isEmpty() && next <= committedNext) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            Outcome outcome = tryCommit(next);
            if (outcome == Outcome.COMMITTED) {
                settle(next);
                return;
            }
            Exception failure = broken;
            aborted.inc();
            if (outcome == Outcome.ABORTABLE && open && holder.producer() == inTransaction) {
                owner.abortQuietly(failure);
            } else if (outcome == Outcome.UNKNOWN) {
                owner.markFatal(failure);
            }
            open = false;
            broken = null;
            owner.replaceProducerIfFatal();
            if (outcome == Outcome.UNKNOWN && !owner.isClosing() && committedAnyway(next)) {
                settle(next);
                return;
            }
            takeOutOwnFaults();
            if (owner.isClosing()) {
                deferAll(failure);
                return;
            }
            owner.countRetry();
            if (attempt == 1) {
                LOG.warn("transaction of {} event(s) up to journal position {} failed ({}); writing it again",
                        records.size() + letters.size(), next, String.valueOf(failure));
            }
            owner.pause(retry.backoffNanos(attempt));
            if (owner.isClosing()) {
                deferAll(failure);
                return;
            }
            records.forEach(this::write);
            letters.forEach(letter -> write(letter.write()));
        }
    }

    private enum Outcome { COMMITTED, ABORTABLE, UNKNOWN }

    private Outcome tryCommit(long next) {
        if (broken != null) {
            return Outcome.ABORTABLE;
        }
        ProducerRecord<byte[], byte[]> position = positions.record(next);
        RecordCallback positionWrite = new RecordCallback(null, position, owner, 0);
        write(positionWrite);
        if (broken != null) {
            return Outcome.ABORTABLE;
        }
        try {
            long start = System.nanoTime();
            holder.producer().commitTransaction();
            commitNanos.update(System.nanoTime() - start);
            return Outcome.COMMITTED;
        } catch (TimeoutException e) {
            broken = e;
            return retryCommit();
        } catch (KafkaException | IllegalStateException e) {
            broken = e;
            // Refused before it was sent (an event of the transaction failed): abortable. Otherwise it may have
            // reached the coordinator.
            return anyFailed() ? Outcome.ABORTABLE : Outcome.UNKNOWN;
        }
    }

    /** Kafka's advice after a commit timed out: call it again; it resumes the same commit. */
    private Outcome retryCommit() {
        for (int attempt = 1; attempt <= retry.maxAttempts() && !owner.isClosing(); attempt++) {
            owner.pause(retry.backoffNanos(attempt));
            try {
                holder.producer().commitTransaction();
                broken = null;
                return Outcome.COMMITTED;
            } catch (TimeoutException e) {
                broken = e;
            } catch (KafkaException | IllegalStateException e) {
                broken = e;
                return Outcome.UNKNOWN;
            }
        }
        return Outcome.UNKNOWN;
    }

    private boolean anyFailed() {
        for (RecordCallback c : records) {
            if (c.failure != null) {
                return true;
            }
        }
        return false;
    }

    /** After a new producer settled the transaction: did it commit? The offsets topic says. */
    private boolean committedAnyway(long next) {
        while (!owner.isClosing()) {
            try {
                long position = positions.read();
                LOG.warn("the commit up to journal position {} had an unknown outcome; Kafka's committed position is {}: {}",
                        next, position, position >= next ? "it committed" : "writing it again");
                return position >= next;
            } catch (KafkaException e) {
                LOG.warn("reading the committed position failed ({}); trying again", e.toString());
                owner.pause(retry.maxBackoff().toNanos());
            }
        }
        return false;
    }

    private void settle(long next) {
        List<Delivery> done = deliveries;
        List<Letter> lettersDone = letters;
        // Spans hold tens of thousands of events: growing these lists from empty each time cost the sender thread
        // ~9 % of its CPU in array copies (JFR). The callbacks are not needed any more: that list is reused; the
        // deliveries go to the settling thread, so the next list starts at about the size this one reached.
        records.clear();
        deliveries = new ArrayList<>(done.size() + done.size() / 4 + 16);
        letters = new ArrayList<>();
        open = false;
        committedNext = next;
        committed.inc();
        eventsPerCommit.update(done.size() + lettersDone.size());
        // Tens of thousands of futures, counters and journal marks per commit: completed on the settling thread so
        // the sender thread can begin the next transaction at once (at-least-once does this work on Kafka's I/O thread).
        Runnable acknowledge = () -> {
            // Where each event was placed came with Kafka's answer (-1 if this producer never saw the answer
            // of the try that committed).
            for (int i = 0, n = done.size(); i < n; i++) {
                done.get(i).acknowledgePlaced();
            }
            for (Letter letter : lettersDone) {
                RecordCallback w = letter.write();
                deadLettered.inc();
                w.delivery.fail(Outcomes.DEAD_LETTER, new DeadLetteredException(PublishResult.of(deadLetterTopic,
                        w.metadata == null ? -1 : w.metadata.partition(), w.metadata == null ? -1 : w.metadata.offset()),
                        letter.cause()));
            }
        };
        try {
            settler.execute(acknowledge);
        } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
            acknowledge.run();
        }
    }

    /** Events that failed for a reason of their own leave the transaction (failed, or replaced by a dead letter). */
    private void takeOutOwnFaults() {
        List<RecordCallback> keep = new ArrayList<>(records.size());
        for (RecordCallback c : records) {
            Exception f = c.failure;
            if (f != null && owner.isOwnFault(c, f)) {
                if (deadLetterTopic != null && DeadLetterRoute.applies(f)) {
                    ProducerRecord<byte[], byte[]> letter = DeadLetterRoute.letter(deadLetterTopic, c.record, f);
                    letters.add(new Letter(new RecordCallback(c.delivery, letter, owner, 0), f));
                } else {
                    c.delivery.fail(f);
                }
            } else {
                c.delivery.placed(-1, -1); // the next try's answer tells the place; this try's was aborted
                keep.add(c.retry());
            }
        }
        List<Letter> keptLetters = new ArrayList<>(letters.size());
        for (Letter letter : letters) {
            Exception f = letter.write().failure;
            if (f != null && Failures.ownFault(f)) {
                letter.cause().addSuppressed(f);
                letter.write().delivery.fail(letter.cause()); // the dead-letter topic refuses it too
            } else {
                keptLetters.add(new Letter(letter.write().retry(), letter.cause()));
            }
        }
        records = keep;
        deliveries = new ArrayList<>(keep.size());
        for (RecordCallback c : keep) {
            deliveries.add(c.delivery);
        }
        letters = keptLetters;
    }

    private void deferAll(Exception failure) {
        for (RecordCallback c : records) {
            c.delivery.defer(failure);
        }
        for (Letter letter : letters) {
            letter.write().delivery.defer(letter.cause());
        }
        records = new ArrayList<>();
        deliveries = new ArrayList<>();
        letters = new ArrayList<>();
    }

    /** Closing thread: the settling thread finishes what committed, within {@code timeout}, then stops. */
    void close(java.time.Duration timeout) {
        settler.shutdown();
        try {
            if (!settler.awaitTermination(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                LOG.warn("committed events were still being acknowledged at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
