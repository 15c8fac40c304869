package dev.eventpublisher.journal;

import java.io.IOException;

/** Another publisher (this process or another) holds the journal directory. */
public final class JournalLockedException extends IOException {
    private static final long serialVersionUID = 1L;

    public JournalLockedException(String message) {
        super(message);
    }
}
