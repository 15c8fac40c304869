package dev.eventpublisher.ring;

import java.util.concurrent.CompletableFuture;

import dev.eventpublisher.sender.EventFuture;
import org.apache.kafka.common.header.Header;

/**
 * One preallocated entry of the ring buffer. A publishing thread fills it between claiming and
 * publishing its sequence; the batcher thread reads it and then {@link #clear() clears} it, so the ring
 * never keeps payloads alive. The Disruptor's sequence barrier orders those two accesses, hence no
 * volatile fields.
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

    /** Loads a command; {@code control} completes when the batcher and sender have done it. */
    public void control(SlotKind kind, CompletableFuture<Void> control, long nowNanos) {
        this.kind = kind;
        this.control = control;
        this.nanos = nowNanos;
    }

    public void clear() {
        kind = null;
        topic = null;
        key = null;
        value = null;
        headers = null;
        future = null;
        control = null;
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
}
