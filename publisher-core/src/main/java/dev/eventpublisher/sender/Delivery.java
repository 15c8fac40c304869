package dev.eventpublisher.sender;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

import dev.eventpublisher.PublishFailedException;
import dev.eventpublisher.PublishResult;
import dev.eventpublisher.outcome.Outcomes;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The outcome slot of one event handed to a {@link BatchSender}: exactly one of
 * {@link #acknowledge} or {@link #fail} takes effect; later calls are ignored. It counts the outcome,
 * completes the caller's future (if the event was published with one) and releases the flush barrier.
 *
 * <p>It is also the Kafka producer {@link Callback}, so the Kafka sender passes it straight to
 * {@code send()}. Completion runs on Kafka's I/O thread: it only counts and completes a future.
 */
public final class Delivery implements Callback {
    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(Delivery.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String topic;
    private final CompletableFuture<PublishResult> future;
    private final long publishNanos;
    private final Outcomes outcomes;
    private final FlushEpoch epoch;
    @SuppressWarnings("unused") // written through DONE
    private volatile int done;

    Delivery(String topic, CompletableFuture<PublishResult> future, long publishNanos, Outcomes outcomes,
             FlushEpoch epoch) {
        this.topic = topic;
        this.future = future;
        this.publishNanos = publishNanos;
        this.outcomes = outcomes;
        this.epoch = epoch;
    }

    public String topic() {
        return topic;
    }

    /** Kafka's answer: metadata on success, an exception on failure. */
    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception == null) {
            acknowledge(metadata.partition(), metadata.offset());
        } else {
            fail(exception);
        }
    }

    /** The event is stored at {@code partition}/{@code offset}. */
    public void acknowledge(int partition, long offset) {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        outcomes.acknowledged(publishNanos);
        if (future != null) {
            future.complete(new PublishResult(topic, partition, offset));
        }
        epoch.recordDone();
    }

    /** The event failed for good; the reason is derived from {@code cause}. */
    public void fail(Throwable cause) {
        fail(outcomes.reasonFor(cause), cause);
    }

    /** The event failed for good with an explicit reason. */
    public void fail(String reason, Throwable cause) {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        outcomes.failed(reason);
        if (future != null) {
            future.completeExceptionally(new PublishFailedException(topic, reason, cause));
        }
        epoch.recordDone();
    }

    /** Whether an outcome has been recorded. */
    public boolean isDone() {
        return (int) DONE.getVolatile(this) != 0;
    }
}
