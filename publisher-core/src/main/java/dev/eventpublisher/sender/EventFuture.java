package dev.eventpublisher.sender;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

import dev.eventpublisher.PublishFailedException;
import dev.eventpublisher.PublishFuture;
import dev.eventpublisher.PublishRejectedException;
import dev.eventpublisher.PublishResult;
import dev.eventpublisher.journal.Acceptance;
import dev.eventpublisher.outcome.Outcomes;

/**
 * What {@code publish} returns, and the event's {@link Delivery}, and — once acknowledged — its own
 * {@link PublishResult}: one object per event from the caller's thread to Kafka's callback, instead of
 * a future, a callback and a result.
 *
 * <p>Threads: created by the publishing thread; {@link #bind} is called by the sender thread before the
 * event is handed to Kafka (whose internal locking orders it before the callback); the outcome is set
 * once, by whichever thread reports it first. A caller that cancels or completes the future itself
 * does not change the outcome that is counted.
 */
public final class EventFuture extends PublishFuture implements Delivery, PublishResult {
    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(EventFuture.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final CompletableFuture<Void> NO_JOURNAL = CompletableFuture.completedFuture(null);

    private final String topic;
    private final long publishNanos;
    private final Outcomes outcomes;
    /** Null without a journal: accepted when publish returned. */
    private final Acceptance acceptance;
    /** What the event took from the outcomes' byte budget, given back with its outcome. */
    private final long bytes;
    private FlushEpoch epoch;
    /** Journal position, set with the epoch; -1 without a journal. */
    private long position = -1;
    /** The last failure that made the sender queue this event for a re-send (any thread writes, readers only report it). */
    private volatile Throwable lastError;
    private int partition = -1;
    private long offset = -1;
    @SuppressWarnings("unused") // written through DONE
    private volatile int done;

    public EventFuture(String topic, long publishNanos, Outcomes outcomes) {
        this(topic, publishNanos, outcomes, null, 0);
    }

    /**
     * @param acceptance the publish call's acceptance with a journal (shared by the events of one call), else null
     * @param bytes      what the event took from {@link Outcomes#budget()}: given back once it has an outcome
     */
    public EventFuture(String topic, long publishNanos, Outcomes outcomes, Acceptance acceptance, long bytes) {
        this.topic = topic;
        this.publishNanos = publishNanos;
        this.outcomes = outcomes;
        this.acceptance = acceptance;
        this.bytes = bytes;
    }

    /** Sender thread: joins the current flush epoch; {@code journalPosition} is -1 without a journal. */
    EventFuture bind(FlushEpoch current, long journalPosition) {
        this.epoch = current;
        this.position = journalPosition;
        return this;
    }

    @Override
    public CompletableFuture<Void> accepted() {
        return acceptance == null ? NO_JOURNAL.copy() : acceptance.future();
    }

    /**
     * Journal thread: the journal refused the event; it was never accepted, so it has no outcome (the
     * refusal is counted as such by the caller).
     */
    public void refuse(PublishRejectedException refusal) {
        if (DONE.compareAndSet(this, 0, 1)) {
            outcomes.budget().giveBack(bytes);
            completeExceptionally(refusal);
        }
    }

    @Override
    public long journalPosition() {
        return position;
    }

    @Override
    public void retrying(Throwable cause) {
        lastError = cause;
    }

    @Override
    public Throwable lastError() {
        return lastError;
    }

    public long publishNanos() {
        return publishNanos;
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public int partition() {
        return partition;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public void acknowledge(int partition, long offset) {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        // Written before complete(): readers of the completed future see them.
        this.partition = partition;
        this.offset = offset;
        outcomes.acknowledged(publishNanos, position);
        complete(this);
        release();
    }

    @Override
    public void placed(int partition, long offset) {
        this.partition = partition;
        this.offset = offset;
    }

    @Override
    public void acknowledgePlaced() {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        outcomes.acknowledged(publishNanos, position);
        complete(this);
        release();
    }

    @Override
    public void fail(Throwable cause) {
        fail(outcomes.reasonFor(cause), cause);
    }

    @Override
    public void fail(String reason, Throwable cause) {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        outcomes.failed(reason, cause, position);
        completeExceptionally(new PublishFailedException(topic, reason, cause));
        release();
    }

    @Override
    public void defer(Throwable cause) {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        outcomes.deferred();
        completeExceptionally(new PublishFailedException(topic, Outcomes.DEFERRED, cause));
        release();
    }

    private void release() {
        outcomes.budget().giveBack(bytes);
        FlushEpoch e = epoch;
        epoch = null; // a caller keeping the future must not keep the epoch chain alive
        if (e != null) {
            e.recordDone();
        }
    }

    /** Whether the pipeline recorded this event's outcome (independent of what the caller did with the future). */
    @Override
    public boolean hasOutcome() {
        return (int) DONE.getVolatile(this) != 0;
    }

    @Override
    public String toString() {
        return hasOutcome() && !isCompletedExceptionally()
                ? "PublishResult[topic=" + topic + ", partition=" + partition + ", offset=" + offset + "]"
                : super.toString();
    }
}
