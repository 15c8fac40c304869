package dev.eventpublisher.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads a segment's records in order through a buffered window, checking each one's length and CRC.
 * It never trusts a length: a record must be sane in size, lie within the file and match its CRC.
 * Single thread.
 */
final class SegmentScanner {
    /** What {@link #readAt} found. */
    enum Found { RECORD, END, INVALID }

    private static final int WINDOW_BYTES = 1 << 20;

    private final JournalStorage.ReadFile file;
    private final long size;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer window = ByteBuffer.allocateDirect(WINDOW_BYTES);
    /** File offset of the window's first byte; the window holds [windowStart, windowStart + window.limit()). */
    private long windowStart;
    private ByteBuffer payload;
    private int recordBytes;
    private String problem;

    SegmentScanner(JournalStorage.ReadFile file) throws IOException {
        this.file = file;
        this.size = file.size();
        window.limit(0);
    }

    long size() {
        return size;
    }

    /**
     * Looks at the record starting at {@code offset}, which must carry a position in
     * [{@code minPosition}, {@code maxPosition}). After {@link Found#RECORD}, {@link #payload()} and
     * {@link #recordBytes()} describe it (valid until the next call); after {@link Found#INVALID},
     * {@link #problem()} says why. The type and position are checked before the payload is read, so
     * probing garbage byte by byte stays cheap.
     */
    Found readAt(long offset, long minPosition, long maxPosition) throws IOException {
        payload = null;
        if (offset >= size) {
            return Found.END;
        }
        if (offset + RecordFormat.HEADER_BYTES > size) {
            problem = "a partial record header (" + (size - offset) + " bytes) at the end";
            return Found.INVALID;
        }
        if (!fill(offset, RecordFormat.HEADER_BYTES)) {
            problem = "unreadable record header";
            return Found.INVALID;
        }
        int at = (int) (offset - windowStart);
        int length = window.getInt(at);
        int expectedCrc = window.getInt(at + 4);
        if (length < RecordFormat.FIXED_PAYLOAD_BYTES + 1 || length > RecordFormat.MAX_PAYLOAD_BYTES) {
            problem = "impossible record length " + length;
            return Found.INVALID;
        }
        if (offset + RecordFormat.HEADER_BYTES + length > size) {
            problem = "a record of " + length + " bytes that runs past the end of the file";
            return Found.INVALID;
        }
        if (!fill(offset, RecordFormat.HEADER_BYTES + 9)) {
            problem = "unreadable record";
            return Found.INVALID;
        }
        at = (int) (offset - windowStart);
        byte type = window.get(at + RecordFormat.HEADER_BYTES);
        long position = window.getLong(at + RecordFormat.HEADER_BYTES + 1);
        if (type != RecordFormat.TYPE_EVENT) {
            problem = "unknown record type " + type;
            return Found.INVALID;
        }
        if (position < minPosition || position >= maxPosition) {
            problem = "position " + position + " where " + minPosition + (maxPosition == minPosition + 1 ? "" : " or later")
                    + " was due";
            return Found.INVALID;
        }
        if (!fill(offset, RecordFormat.HEADER_BYTES + length)) {
            problem = "unreadable record";
            return Found.INVALID;
        }
        at = (int) (offset - windowStart);
        ByteBuffer body = window.slice(at + RecordFormat.HEADER_BYTES, length);
        if (!RecordFormat.crcMatches(body, expectedCrc, crc)) {
            problem = "a CRC mismatch";
            return Found.INVALID;
        }
        payload = body;
        recordBytes = RecordFormat.HEADER_BYTES + length;
        return Found.RECORD;
    }

    ByteBuffer payload() {
        return payload;
    }

    int recordBytes() {
        return recordBytes;
    }

    String problem() {
        return problem;
    }

    /** Makes [offset, offset + bytes) present in the window; false if the file ended first. */
    private boolean fill(long offset, int bytes) throws IOException {
        if (offset >= windowStart && offset + bytes <= windowStart + window.limit()) {
            return true;
        }
        if (bytes > window.capacity()) {
            window = ByteBuffer.allocateDirect(Integer.highestOneBit(bytes - 1) << 1);
        }
        window.clear();
        windowStart = offset;
        long want = Math.min(window.capacity(), size - offset);
        window.limit((int) want);
        while (window.hasRemaining()) {
            int read = file.read(window, windowStart + window.position());
            if (read < 0) {
                break;
            }
        }
        window.limit(window.position());
        window.position(0);
        return window.limit() >= bytes;
    }
}
