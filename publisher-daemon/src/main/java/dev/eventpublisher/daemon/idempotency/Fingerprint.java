package dev.eventpublisher.daemon.idempotency;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

import org.apache.kafka.common.header.Header;

/**
 * SHA-256 over a request's events (topic, key, value and the event's own headers), fed one event at a
 * time. The headers the daemon adds itself (trace context, idempotency) are left out, so the same
 * fingerprint can be computed again from the journal's copy of the events after a restart.
 */
public final class Fingerprint {
    /** Record headers the daemon writes from request headers; never part of a request's fingerprint. */
    public static final Set<String> DAEMON_HEADERS = Set.of("traceparent", "tracestate",
            IdempotencyKeys.KEY_HEADER, IdempotencyKeys.EVENT_HEADER);

    private final MessageDigest digest;
    private final ByteBuffer length = ByteBuffer.allocate(4);

    public Fingerprint() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public Fingerprint add(String topic, byte[] key, byte[] value, Iterable<Header> headers) {
        field(topic.getBytes(StandardCharsets.UTF_8));
        field(key);
        field(value);
        if (headers != null) {
            for (Header h : headers) {
                if (!DAEMON_HEADERS.contains(h.key())) {
                    field(h.key().getBytes(StandardCharsets.UTF_8));
                    field(h.value());
                }
            }
        }
        digest.update((byte) '\n'); // ends the event, so header lists cannot run into the next event
        return this;
    }

    public byte[] finish() {
        return digest.digest();
    }

    /** Length-prefixed, so ("ab","c") and ("a","bc") differ; null and empty differ too. */
    private void field(byte[] bytes) {
        length.clear();
        length.putInt(bytes == null ? -1 : bytes.length);
        digest.update(length.array());
        if (bytes != null) {
            digest.update(bytes);
        }
    }
}
