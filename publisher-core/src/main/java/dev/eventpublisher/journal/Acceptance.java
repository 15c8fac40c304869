package dev.eventpublisher.journal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

import dev.eventpublisher.PublishRejectedException;

/**
 * Whether one publish call's events made it into the journal: set once by the journal thread —
 * accepted (journalled as the fsync policy promises) or refused — and read by the caller through a
 * future made only when someone asks for it, so a caller who never asks costs no future.
 *
 * <p>Threads: {@link #accept()}/{@link #refuse} by the journal thread; {@link #future()} by any thread.
 */
public final class Acceptance {
    private static final Object ACCEPTED = new Object();
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Acceptance.class, "state", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** null (pending, nobody waits), a waiting future, ACCEPTED, or the refusal. */
    @SuppressWarnings("unused") // through STATE
    private volatile Object state;

    /** Journal thread: the call's events are journalled. */
    public void accept() {
        settle(ACCEPTED);
    }

    /** Journal thread: the call was refused; none of its events was journalled. */
    public void refuse(PublishRejectedException refusal) {
        settle(refusal);
    }

    private void settle(Object outcome) {
        while (true) {
            Object current = STATE.getVolatile(this);
            if (current == null) {
                if (STATE.compareAndSet(this, null, outcome)) {
                    return;
                }
            } else if (current instanceof CompletableFuture<?> waiting) {
                STATE.setVolatile(this, outcome); // only this thread settles; waiters already hold the future
                complete(waiting, outcome);
                return;
            } else {
                return; // already settled
            }
        }
    }

    /** Any thread: completes when the call is journalled, or exceptionally with {@link PublishRejectedException}. */
    @SuppressWarnings("unchecked")
    public CompletableFuture<Void> future() {
        while (true) {
            Object current = STATE.getVolatile(this);
            if (current instanceof CompletableFuture<?> waiting) {
                return (CompletableFuture<Void>) waiting;
            }
            if (current != null) {
                CompletableFuture<Void> settled = new CompletableFuture<>();
                complete(settled, current);
                return settled;
            }
            CompletableFuture<Void> waiting = new CompletableFuture<>();
            if (STATE.compareAndSet(this, null, waiting)) {
                return waiting;
            }
        }
    }

    private static void complete(CompletableFuture<?> future, Object outcome) {
        if (outcome == ACCEPTED) {
            future.complete(null);
        } else {
            future.completeExceptionally((PublishRejectedException) outcome);
        }
    }
}
