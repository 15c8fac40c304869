package dev.eventpublisher.sender;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.lmax.disruptor.EventHandler;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.outcome.ByteBudget;
import dev.eventpublisher.outcome.Outcomes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender thread's loop body: gives each event of a flushed batch its {@link Delivery}, passes the
 * batch to the {@link BatchSender}, and turns barriers into flush epochs. Batching continues on the
 * batcher thread while this one does Kafka's per-record work (serialisation into the producer's
 * buffers, compression).
 *
 * <p>Single writer: {@code epoch} is owned by the sender thread.
 */
public final class SenderEventHandler implements EventHandler<BatchSlot> {
    private static final Logger LOG = LoggerFactory.getLogger(SenderEventHandler.class);

    private final BatchSender sender;
    private final Outcomes outcomes;
    private final Counter errors;
    /** The ring's last published sequence: whether anything is waiting behind the batch just handled. */
    private final LongSupplier published;
    /** Events handed to the sender so far; read by the in-flight gauge. */
    private final AtomicLong handedOver = new AtomicLong();
    private FlushEpoch epoch = new FlushEpoch(null);

    SenderEventHandler(BatchSender sender, Outcomes outcomes, MetricRegistry registry, LongSupplier published) {
        this.sender = sender;
        this.published = published;
        this.outcomes = outcomes;
        this.errors = registry.counter(MetricNames.ERRORS_SENDER);
    }

    @Override
    public void onEvent(BatchSlot slot, long sequence, boolean endOfBatch) {
        try {
            switch (slot.kind()) {
                case BARRIER -> {
                    FlushEpoch sealed = epoch;
                    epoch = new FlushEpoch(sealed);
                    sealed.seal(slot.barrier());
                    guarded(sender::flushHeld, "flush at a barrier");
                }
                case MAINTENANCE -> guarded(sender::maintain, "maintenance");
                case COMMIT -> {
                    long next = slot.commitPosition();
                    guarded(() -> sender.commit(next), "commit up to journal position " + next);
                }
                case BATCH -> {
                    if (slot.size() > 0) {
                        send(slot);
                    }
                }
            }
        } finally {
            slot.clear();
        }
        if (endOfBatch && published.getAsLong() == sequence) {
            guarded(sender::idle, "going idle");
        }
    }

    /** Runs one of the sender's calls other than {@code send}; an exception is counted and logged, and the loop goes on. */
    private void guarded(Runnable call, String what) {
        try {
            call.run();
        } catch (RuntimeException e) {
            errors.inc();
            LOG.error("sender failed on {}; continuing", what, e);
        }
    }

    private void send(BatchSlot slot) {
        int n = slot.size();
        FlushEpoch current = epoch;
        current.register(n);
        String topic = slot.topic();
        for (int i = 0; i < n; i++) {
            EventFuture future = slot.future(i);
            long position = slot.position(i);
            slot.setDelivery(i, future != null ? future.bind(current, position)
                    : new UntrackedDelivery(topic, slot.publishNanos(i), outcomes, current, position,
                            ByteBudget.eventBytes(slot.key(i), slot.value(i), slot.headers(i))));
        }
        handedOver.lazySet(handedOver.get() + n);
        try {
            sender.send(slot);
        } catch (RuntimeException e) {
            // The sender broke its contract; whatever it did not report yet fails here (first outcome wins).
            errors.inc();
            LOG.error("sender failed on a batch of {} for topic {}; failing its unreported events", n, slot.topic(), e);
            for (int i = 0; i < n; i++) {
                slot.delivery(i).fail(Outcomes.INTERNAL, e);
            }
        }
    }

    /** Events handed to the sender that have no outcome yet. Any thread; approximate while running. */
    long inFlight() {
        return Math.max(0, handedOver.get() - outcomes.resolved());
    }
}
