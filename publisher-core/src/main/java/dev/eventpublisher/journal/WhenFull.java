package dev.eventpublisher.journal;

/** What publishing does while the journal holds {@code maxBytes} (or the disk is full). */
public enum WhenFull {
    /** Publishers wait for space, up to their block timeout; then the event is refused with {@code JOURNAL_FULL}. */
    BLOCK,
    /** Refuse at once with {@code JOURNAL_FULL} (HTTP 503 {@code journal_full} with {@code Retry-After}). */
    REJECT
}
