package dev.eventpublisher.sender;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import dev.eventpublisher.outcome.Outcomes;

/** The delivery of an event published without a future ({@code tryPublish}, or replayed from the journal): counted, not reported. */
final class UntrackedDelivery implements Delivery {
    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(UntrackedDelivery.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String topic;
    private final long publishNanos;
    private final Outcomes outcomes;
    private final FlushEpoch epoch;
    private final long position;
    /** What the event took from the outcomes' byte budget, given back with its outcome. */
    private final long bytes;
    @SuppressWarnings("unused") // written through DONE
    private volatile int done;

    UntrackedDelivery(String topic, long publishNanos, Outcomes outcomes, FlushEpoch epoch, long position, long bytes) {
        this.bytes = bytes;
        this.topic = topic;
        this.publishNanos = publishNanos;
        this.outcomes = outcomes;
        this.epoch = epoch;
        this.position = position;
    }

    @Override
    public long journalPosition() {
        return position;
    }

    @Override
    public void defer(Throwable cause) {
        if (DONE.compareAndSet(this, 0, 1)) {
            outcomes.deferred();
            outcomes.budget().giveBack(bytes);
            epoch.recordDone();
        }
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public void acknowledge(int partition, long offset) {
        if (DONE.compareAndSet(this, 0, 1)) {
            outcomes.acknowledged(publishNanos, position);
            outcomes.budget().giveBack(bytes);
            epoch.recordDone();
        }
    }

    @Override
    public void fail(Throwable cause) {
        fail(outcomes.reasonFor(cause), cause);
    }

    @Override
    public void fail(String reason, Throwable cause) {
        if (DONE.compareAndSet(this, 0, 1)) {
            outcomes.failed(reason, cause, position);
            outcomes.budget().giveBack(bytes);
            epoch.recordDone();
        }
    }

    @Override
    public boolean hasOutcome() {
        return (int) DONE.getVolatile(this) != 0;
    }
}
