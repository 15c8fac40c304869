package dev.eventpublisher.ring;

/** What a ring slot carries: an event, or a command for the batcher travelling in order with the events. */
public enum SlotKind {
    /** An application event. */
    EVENT,
    /** Timer tick: flush groups older than their batch timeout. */
    TICK,
    /** forceFlush(): flush every group, then complete the control future once all is acked or failed. */
    FLUSH,
    /** close(): like FLUSH, and from now on flush every late event at once. */
    SHUTDOWN,
    /** A slot claimed by a call that then found the publisher closed: nothing to do. */
    VOID
}
