package dev.eventpublisher.journal;

import java.io.IOException;

/**
 * {@code force()} failed. Linux may already have dropped the dirty pages it could not write, so a
 * retried force could report success for data that is gone ("fsyncgate"): the journal stops accepting
 * instead of retrying.
 */
final class ForceFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    ForceFailedException(IOException cause) {
        super("force() failed: " + cause.getMessage(), cause);
    }
}
