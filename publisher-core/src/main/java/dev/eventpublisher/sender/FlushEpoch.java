package dev.eventpublisher.sender;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The records sent between two flush barriers. A barrier (forceFlush or close) must complete only when
 * every record sent before it has its outcome; records complete out of order across partitions, so a
 * count of outstanding records per epoch, plus the previous epoch's completion, is what proves it.
 *
 * <p>The sender thread registers records and seals the epoch; Kafka's I/O thread (or any sender
 * implementation) reports completions. Costs one atomic add per batch and one per record outcome.
 */
final class FlushEpoch {
    /** Records without an outcome, plus one while the epoch is still open. */
    private final AtomicLong outstanding = new AtomicLong(1);
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Written once by the sender thread; read after {@code outstanding} reaches zero (ordered by it). */
    private FlushEpoch previous;
    private CompletableFuture<Void> barrier;

    FlushEpoch(FlushEpoch previous) {
        this.previous = previous;
    }

    /** Sender thread: {@code n} more records belong to this epoch. */
    void register(int n) {
        outstanding.addAndGet(n);
    }

    /** Any thread: one record of this epoch has its outcome. */
    void recordDone() {
        if (outstanding.decrementAndGet() == 0) {
            finish();
        }
    }

    /** Sender thread: no more records join; {@code barrier} completes once this and earlier epochs are done. */
    void seal(CompletableFuture<Void> barrier) {
        this.barrier = barrier;
        recordDone();
    }

    private void finish() {
        FlushEpoch before = previous;
        previous = null;
        if (before == null) {
            complete();
        } else {
            before.done.whenComplete((ignored, error) -> complete());
        }
    }

    private void complete() {
        done.complete(null);
        if (barrier != null) {
            barrier.complete(null);
        }
    }
}
