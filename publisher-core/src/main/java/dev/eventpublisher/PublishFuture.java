package dev.eventpublisher;

import java.util.concurrent.CompletableFuture;

/**
 * What {@link EventPublisher#publish} returns: completes when Kafka acknowledges the event (or fails with
 * {@link PublishFailedException}), and tells, through {@link #accepted()}, when the publisher took
 * responsibility for it.
 *
 * <p>Without a journal an event is accepted when {@code publish} returns. With one it is accepted once
 * it is in the journal as the fsync policy promises (it then survives a crash of the process, and with
 * {@code BATCH} a power cut); the journal may instead refuse it (full, failed), and then both futures
 * fail with {@link PublishRejectedException}.
 */
public abstract class PublishFuture extends CompletableFuture<PublishResult> {
    /**
     * Completes when the event is accepted (journalled), or exceptionally with
     * {@link PublishRejectedException} if it was refused. The events of one {@code publishAll} call are
     * accepted or refused together.
     */
    public abstract CompletableFuture<Void> accepted();

    /**
     * With a journal: the last error that made the publisher send this event again (a broker down, a
     * timeout, wrong credentials), while it still has no outcome; null if it never failed. For telling a
     * waiting caller why Kafka has not acknowledged it yet.
     */
    public abstract Throwable lastError();
}
