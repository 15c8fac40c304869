package dev.eventpublisher;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Header;

/**
 * The largest event accepted: the producer refuses, inside {@code send()}, a record whose size bound exceeds
 * {@code max.request.size} or {@code buffer.memory}. Checking the same bound before acceptance turns what
 * would be an accepted-then-failed event into a refusal the caller sees at once (HTTP 413).
 *
 * <p>The bound is Kafka's own (a record batch's overhead, the record's varint-framed key, value and headers,
 * and the largest record overhead), so an event it passes is one the producer takes. A topic whose broker-side
 * {@code max.message.bytes} is lower still refuses it later, with the reason {@code kafka:RecordTooLargeException}.
 */
public final class EventSizeLimit {
    /** A record batch's header ({@code DefaultRecordBatch.RECORD_BATCH_OVERHEAD}). */
    static final int BATCH_OVERHEAD = 61;
    /** The largest overhead of a record's own fields: length, attributes, timestamp and offset deltas. */
    static final int MAX_RECORD_OVERHEAD = 21;
    /** Below this far under the limit, key and value alone decide and headers are not measured (the hot path). */
    private static final int HEADERS_HEADROOM = 64 * 1024;
    private static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;
    private static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;

    private final long limit;
    private final String limitName;

    private EventSizeLimit(long limit, String limitName) {
        this.limit = limit;
        this.limitName = limitName;
    }

    /** The limit the producer with these properties applies. */
    public static EventSizeLimit of(Map<String, Object> producerProperties) {
        long maxRequest = number(producerProperties.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), DEFAULT_MAX_REQUEST_SIZE);
        long buffer = number(producerProperties.get(ProducerConfig.BUFFER_MEMORY_CONFIG), DEFAULT_BUFFER_MEMORY);
        return buffer < maxRequest ? new EventSizeLimit(buffer, "the producer's buffer.memory")
                : new EventSizeLimit(maxRequest, "the producer's max.request.size");
    }

    /** No limit (a custom sender: its own rules apply). */
    static EventSizeLimit none() {
        return new EventSizeLimit(Long.MAX_VALUE, "none");
    }

    /** The largest event accepted, in bytes as a Kafka record. */
    public long maxBytes() {
        return limit;
    }

    /** Which setting the limit comes from, for error messages. */
    public String limitName() {
        return limitName;
    }

    /** Throws {@link EventTooLargeException} if the event is larger than the limit. */
    public void check(String topic, byte[] key, byte[] value, Iterable<Header> headers) {
        long keyAndValue = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        if (keyAndValue + HEADERS_HEADROOM < limit) {
            return;
        }
        long bytes = recordBytes(key, value, headers);
        if (bytes > limit) {
            throw new EventTooLargeException(topic, bytes, limit, limitName);
        }
    }

    /** Kafka's upper bound of the record's size in a batch of its own. */
    static long recordBytes(byte[] key, byte[] value, Iterable<Header> headers) {
        long size = BATCH_OVERHEAD + MAX_RECORD_OVERHEAD + framed(key) + framed(value);
        int count = 0;
        if (headers != null) {
            for (Header h : headers) {
                count++;
                byte[] name = h.key().getBytes(StandardCharsets.UTF_8);
                size += varintBytes(name.length) + name.length + framed(h.value());
            }
        }
        return size + varintBytes(count);
    }

    private static long framed(byte[] bytes) {
        return bytes == null ? varintBytes(-1) : varintBytes(bytes.length) + (long) bytes.length;
    }

    /** Bytes of {@code n} as a zig-zag varint, as Kafka's record format writes lengths. */
    static int varintBytes(int n) {
        int v = (n << 1) ^ (n >> 31);
        int bytes = 1;
        while ((v & 0xffffff80) != 0) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    private static long number(Object configured, long otherwise) {
        return configured == null ? otherwise : Long.parseLong(configured.toString().trim());
    }
}
