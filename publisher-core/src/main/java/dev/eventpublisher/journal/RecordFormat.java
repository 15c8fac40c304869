package dev.eventpublisher.journal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The bytes of one journal record: {@code [int length][int crc32c(payload)][payload]}, big-endian, where
 * the payload is
 * <pre>
 * byte   type (1 = event)
 * long   position          consecutive across the journal; recovery checks the sequence
 * long   journalled at     epoch milliseconds
 * short  topic length, topic (UTF-8)
 * int    key length (-1 = null), key
 * int    value length (-1 = null), value
 * int    header count, then per header: int name length, name (UTF-8), int value length (-1 = null), value
 * </pre>
 * Recovery trusts nothing past the last record whose length is sane, whose CRC matches and whose
 * position follows the one before.
 */
final class RecordFormat {
    /** Length and CRC in front of every payload. */
    static final int HEADER_BYTES = 8;
    static final byte TYPE_EVENT = 1;
    /** Payload bytes with an empty topic, no key, value or headers. */
    static final int FIXED_PAYLOAD_BYTES = 1 + 8 + 8 + 2 + 4 + 4 + 4;
    /** The smallest possible record (a topic has at least one character). */
    static final int MIN_RECORD_BYTES = HEADER_BYTES + FIXED_PAYLOAD_BYTES + 1;
    /** A length beyond this is garbage, whatever the file says. */
    static final int MAX_PAYLOAD_BYTES = 256 << 20;

    private RecordFormat() {
    }

    /** The exact size of an event's record, computed without allocating (UTF-8 lengths counted). */
    static int recordSize(String topic, byte[] key, byte[] value, Iterable<Header> headers) {
        long size = HEADER_BYTES + FIXED_PAYLOAD_BYTES + utf8Length(topic)
                + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        if (headers != null) {
            for (Header h : headers) {
                byte[] v = h.value();
                size += 4 + utf8Length(h.key()) + 4 + (v == null ? 0 : v.length);
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    /**
     * Writes one event record at the buffer's position (which must have {@link #recordSize} bytes free,
     * an upper bound: a lone surrogate in a header name encodes shorter) and advances it. Returns the
     * record's size. {@code crc} is the caller's reusable checksum.
     */
    static int encode(ByteBuffer out, CRC32C crc, long position, long millis, byte[] topic, byte[] key,
                       byte[] value, Iterable<Header> headers) {
        int start = out.position();
        out.putInt(0); // the length and the CRC, once the payload is there
        out.putInt(0);
        out.put(TYPE_EVENT);
        out.putLong(position);
        out.putLong(millis);
        out.putShort((short) topic.length);
        out.put(topic);
        putBytes(out, key);
        putBytes(out, value);
        int countAt = out.position();
        out.putInt(0);
        int count = 0;
        if (headers != null) {
            for (Header h : headers) {
                byte[] name = h.key().getBytes(StandardCharsets.UTF_8);
                out.putInt(name.length);
                out.put(name);
                putBytes(out, h.value());
                count++;
            }
        }
        out.putInt(countAt, count);
        int payloadLength = out.position() - start - HEADER_BYTES;
        crc.reset();
        crc.update(out.slice(start + HEADER_BYTES, payloadLength));
        out.putInt(start, payloadLength);
        out.putInt(start + 4, (int) crc.getValue());
        return payloadLength + HEADER_BYTES;
    }

    private static void putBytes(ByteBuffer out, byte[] bytes) {
        if (bytes == null) {
            out.putInt(-1);
        } else {
            out.putInt(bytes.length);
            out.put(bytes);
        }
    }

    /** Whether {@code payload} (exactly the payload's bytes) matches {@code expectedCrc}. */
    static boolean crcMatches(ByteBuffer payload, int expectedCrc, CRC32C crc) {
        crc.reset();
        crc.update(payload.duplicate());
        return (int) crc.getValue() == expectedCrc;
    }

    /** Decodes a payload whose CRC matched; throws {@link IllegalArgumentException} if it is malformed anyway. */
    static JournalRecord decode(ByteBuffer payload) {
        ByteBuffer in = payload.duplicate();
        try {
            byte type = in.get();
            if (type != TYPE_EVENT) {
                throw new IllegalArgumentException("unknown record type " + type);
            }
            long position = in.getLong();
            long millis = in.getLong();
            byte[] topic = new byte[in.getShort() & 0xFFFF];
            in.get(topic);
            byte[] key = getBytes(in);
            byte[] value = getBytes(in);
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw new IllegalArgumentException("bad header count " + count);
            }
            List<Header> headers = count == 0 ? null : new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int nameLength = in.getInt();
                if (nameLength < 0 || nameLength > in.remaining()) {
                    throw new IllegalArgumentException("bad header name length " + nameLength);
                }
                byte[] name = new byte[nameLength];
                in.get(name);
                headers.add(new RecordHeader(new String(name, StandardCharsets.UTF_8), getBytes(in)));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last field");
            }
            return new JournalRecord(position, millis, new String(topic, StandardCharsets.UTF_8), key, value, headers);
        } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("truncated payload", e);
        }
    }

    /** The position field of a payload, without decoding the rest. */
    static long positionOf(ByteBuffer payload) {
        return payload.getLong(payload.position() + 1);
    }

    private static byte[] getBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("bad field length " + length);
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2; // 4 bytes for 2 chars
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }
}
