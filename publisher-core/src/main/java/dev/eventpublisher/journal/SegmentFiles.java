package dev.eventpublisher.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Names and headers of segment files. A segment is {@code segment-<base position, 20 digits>.journal}:
 * a 32-byte header {@code [magic "EPJRNL01"][long base][long created millis][int version][int crc32c]}
 * followed by records ({@link RecordFormat}) whose positions start at the base and follow each other.
 */
final class SegmentFiles {
    static final String PREFIX = "segment-";
    static final String SUFFIX = ".journal";
    /** A segment that recovery found damaged keeps this suffix (plus a time), out of the journal's way. */
    static final String CORRUPT_SUFFIX = ".corrupt-";
    /** A repaired copy of a damaged segment while it is being written. */
    static final String SALVAGE_SUFFIX = ".salvage";
    static final int HEADER_BYTES = 32;
    private static final long MAGIC = 0x45504A524E4C3031L; // "EPJRNL01"
    private static final int VERSION = 1;

    private SegmentFiles() {
    }

    static String name(long base) {
        return PREFIX + String.format("%020d", base) + SUFFIX;
    }

    /** The base position a segment file name says, or -1 if it is not a segment's name. */
    static long baseOf(String name) {
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX) || name.length() != PREFIX.length() + 20 + SUFFIX.length()) {
            return -1;
        }
        String digits = name.substring(PREFIX.length(), PREFIX.length() + 20);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(digits);
    }

    static ByteBuffer header(long base, long createdMillis) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.putLong(MAGIC).putLong(base).putLong(createdMillis).putInt(VERSION);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_BYTES - 4);
        header.putInt((int) crc.getValue());
        return header.flip();
    }

    /** The base position in a segment's header, or -1 if the header is missing, torn or damaged. */
    static long readHeader(JournalStorage.ReadFile file) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        while (header.hasRemaining()) {
            if (file.read(header, header.position()) < 0) {
                return -1;
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_BYTES - 4);
        if (header.getLong(0) != MAGIC || header.getInt(24) != VERSION || header.getInt(28) != (int) crc.getValue()) {
            return -1;
        }
        return header.getLong(8);
    }
}
