package dev.eventpublisher.bench;

import java.util.concurrent.locks.LockSupport;

/** The open-loop drivers' schedule: each call is due at a fixed time, whatever the previous one took. */
final class Pacing {
    private Pacing() {
    }

    /** Returns at {@code due} (System.nanoTime()): parks while far from it, spins the last 100 µs for precision. */
    static void awaitDue(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            if (wait > 100_000) {
                LockSupport.parkNanos(wait - 50_000);
            } else {
                Thread.onSpinWait();
            }
        }
    }
}
