package dev.eventpublisher.ring;

import java.util.concurrent.CompletableFuture;

import dev.eventpublisher.journal.Acceptance;
import dev.eventpublisher.sender.EventFuture;
import org.apache.kafka.common.header.Header;

/**
 * One preallocated entry of the ring buffer. A publishing thread fills it between claiming and
 * publishing its sequence; the journal thread (when there is a journal) and then the batcher thread
 * read it, and the batcher {@link #clear() clears} it, so the ring never keeps payloads alive. The
 * Disruptor's sequence barriers order those accesses, hence no volatile fields.
 *
 * <p>With a journal, the first slot of each publish call carries the call's event count and record
 * bytes (so the journal can take or refuse the call whole), and the last one its {@link Acceptance}.
 */
public final class EventSlot {
    private SlotKind kind;
    private String topic;
    private byte[] key;
    private byte[] value;
    private Iterable<Header> headers;
    private EventFuture future;
    private CompletableFuture<Void> control;
    private long nanos;
    /** The event's journal position: set by the journal thread, or by the replay for a journalled event; -1 without. */
    private long position = -1;
    private int requestEvents;
    private long requestBytes;
    private Acceptance acceptance;

    /** Loads an application event; {@code future} may be null (fire-and-forget via tryPublish). */
    public void event(String topic, byte[] key, byte[] value, Iterable<Header> headers,
                      EventFuture future, long publishNanos) {
        this.kind = SlotKind.EVENT;
        this.topic = topic;
        this.key = key;
        this.value = value;
        this.headers = headers;
        this.future = future;
        this.nanos = publishNanos;
    }

    /**
     * Journal: this slot starts a publish call of {@code events} events whose records take {@code bytes};
     * {@code acceptance} (may be null) is told when the whole call is journalled or refused. Set on the
     * first slot; the acceptance belongs on the last one ({@link #acceptance(Acceptance)}).
     */
    public void request(int events, long bytes) {
        this.requestEvents = events;
        this.requestBytes = bytes;
    }

    public void acceptance(Acceptance acceptance) {
        this.acceptance = acceptance;
    }

    /** An event read back from the journal for replay: already journalled at {@code position}. */
    public void journalled(long position) {
        this.position = position;
    }

    /** Loads a command; {@code control} completes when the batcher and sender have done it. */
    public void control(SlotKind kind, CompletableFuture<Void> control, long nowNanos) {
        this.kind = kind;
        this.control = control;
        this.nanos = nowNanos;
    }

    /** The journal refused the event: the batcher passes over it. */
    public void refused() {
        this.kind = SlotKind.VOID;
    }

    public void clear() {
        kind = null;
        topic = null;
        key = null;
        value = null;
        headers = null;
        future = null;
        control = null;
        position = -1;
        requestEvents = 0;
        requestBytes = 0;
        acceptance = null;
    }

    public SlotKind kind() {
        return kind;
    }

    public String topic() {
        return topic;
    }

    public byte[] key() {
        return key;
    }

    public byte[] value() {
        return value;
    }

    public Iterable<Header> headers() {
        return headers;
    }

    public EventFuture future() {
        return future;
    }

    public CompletableFuture<Void> control() {
        return control;
    }

    /** For events: when publish was called; for commands: when the command was issued. */
    public long nanos() {
        return nanos;
    }

    /** The journal position, or -1 while the event is not journalled (or without a journal). */
    public long position() {
        return position;
    }

    /** Events of the publish call this slot starts; 0 if it does not start one. */
    public int requestEvents() {
        return requestEvents;
    }

    public long requestBytes() {
        return requestBytes;
    }

    public Acceptance acceptance() {
        return acceptance;
    }
}
