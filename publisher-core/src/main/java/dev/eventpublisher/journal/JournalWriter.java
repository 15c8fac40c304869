package dev.eventpublisher.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import org.apache.kafka.common.header.Header;

/**
 * Appends records to the active segment in group commits: {@link #append} encodes into a buffer (writing
 * it out when it fills), {@link #commit} writes what is left and forces it when the policy says so. A
 * failed commit is undone with {@link #rollback}: the file is cut back to the last commit and the
 * positions handed out since are handed out again.
 *
 * <p>Owned by the journal thread; {@link #forceIfIdle()} may be called by the background thread.
 * A segment is rolled only at the start of a group, so a group never spans two files and a rollback
 * touches one file.
 */
final class JournalWriter {
    private static final int BUFFER_BYTES = 1 << 20;

    /** Told about segment files as they come and go, and about bytes written. */
    interface Listener {
        void segmentCreated(long base, long bytes);

        void bytesWritten(long bytes);

        /** {@code nanos} spent in one {@code force()} of a group commit or an interval sync. */
        void forced(long nanos);
    }

    private final JournalStorage storage;
    private final FsyncPolicy policy;
    private final long segmentBytes;
    private final Listener listener;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private volatile JournalStorage.AppendFile active;
    /** Size of the active file at the last commit; a rollback cuts back to it. */
    private long committedSize;
    private long committedNext;
    /** Whether anything was written since the last force (interval policy). */
    private volatile boolean dirty;
    /** When the last force ended (interval policy: the journal thread forces once this is an interval old). */
    private volatile long lastForceNanos = System.nanoTime();
    private final long intervalNanos;
    private long next;
    private boolean groupOpen;
    /** Bytes appended since the last commit (counted in the journal's size; a rollback takes them back). */
    private long groupBytes;
    private String lastTopic;
    private byte[] lastTopicBytes;

    JournalWriter(JournalStorage storage, FsyncPolicy policy, long intervalNanos, long segmentBytes, long next,
                  Listener listener) {
        this.storage = storage;
        this.policy = policy;
        this.intervalNanos = intervalNanos;
        this.segmentBytes = segmentBytes;
        this.next = next;
        this.committedNext = next;
        this.listener = listener;
    }

    /** Creates the first segment at the next position. */
    void open() throws IOException {
        roll();
    }

    /** Bytes appended to the current group so far. */
    long groupBytes() {
        return groupBytes;
    }

    /** The position the next appended record gets. */
    long nextPosition() {
        return next;
    }

    /**
     * Encodes one event into the current group; returns its position. {@code size} is
     * {@link RecordFormat#recordSize} of it.
     */
    long append(String topic, byte[] key, byte[] value, Iterable<Header> headers, int size, long millis)
            throws IOException {
        if (!groupOpen) {
            groupOpen = true;
            if (active == null || committedSize >= segmentBytes) {
                roll();
            }
        }
        if (buffer.remaining() < size) {
            writeBuffer();
            if (buffer.capacity() < size) {
                buffer = ByteBuffer.allocateDirect(Integer.highestOneBit(size - 1) << 1);
            }
        }
        long position = next;
        int written = RecordFormat.encode(buffer, crc, position, millis, topicBytes(topic), key, value, headers);
        next = position + 1;
        groupBytes += written;
        listener.bytesWritten(written);
        return position;
    }

    /**
     * Ends the group: writes the buffer and, under {@link FsyncPolicy#BATCH}, forces the file. When it
     * returns, the group's events are durable as the policy promises.
     */
    void commit() throws IOException {
        if (!groupOpen) {
            return;
        }
        writeBuffer();
        if (policy == FsyncPolicy.BATCH) {
            force(active);
        } else {
            dirty = true;
        }
        committedSize = active.size();
        committedNext = next;
        groupBytes = 0;
        groupOpen = false;
    }

    /** After a failed append or commit: cuts the file back to the last commit and reuses the positions. */
    void rollback() throws IOException {
        buffer.clear();
        groupOpen = false;
        next = committedNext;
        listener.bytesWritten(-groupBytes);
        groupBytes = 0;
        if (active != null) {
            active.truncate(committedSize);
        }
    }

    /**
     * Journal thread, after a commit was accepted: under {@link FsyncPolicy#INTERVAL}, forces the active
     * segment once the last force is an interval old. Forcing here, between groups, rather than from another
     * thread keeps the file's writes and its {@code fdatasync} apart (on this machine's ext4 a write waits
     * while a concurrent fsync runs); the events that arrive meanwhile make the next group bigger, as under
     * {@link FsyncPolicy#BATCH}.
     */
    void forceIfDue() throws IOException {
        if (policy == FsyncPolicy.INTERVAL && dirty && System.nanoTime() - lastForceNanos >= intervalNanos) {
            forceActive();
        }
    }

    /** Background thread: forces what an idle journal thread left unforced for two intervals. */
    void forceIfIdle() throws IOException {
        if (policy == FsyncPolicy.INTERVAL && dirty && System.nanoTime() - lastForceNanos >= 2 * intervalNanos) {
            forceActive();
        }
    }

    private void forceActive() throws IOException {
        JournalStorage.AppendFile file = active;
        if (file == null) {
            return;
        }
        dirty = false;
        force(file);
    }

    private void force(JournalStorage.AppendFile file) throws ForceFailedException {
        long start = System.nanoTime();
        try {
            file.force();
        } catch (IOException e) {
            throw new ForceFailedException(e);
        }
        long end = System.nanoTime();
        lastForceNanos = end;
        listener.forced(end - start);
    }

    /** Closes the active segment, forcing it unless the policy is {@link FsyncPolicy#NONE}. */
    void close() throws IOException {
        JournalStorage.AppendFile file = active;
        active = null;
        if (file != null) {
            try {
                if (policy != FsyncPolicy.NONE) {
                    force(file);
                }
            } finally {
                file.close();
            }
        }
    }

    private void writeBuffer() throws IOException {
        buffer.flip();
        try {
            if (buffer.hasRemaining()) {
                active.write(buffer);
            }
        } finally {
            buffer.clear();
        }
    }

    /**
     * Starts a new segment at the next position: created, its header written and forced, the directory
     * forced (so the file itself survives a power cut); then the old segment is sealed.
     */
    private void roll() throws IOException {
        long base = next;
        String name = SegmentFiles.name(base);
        JournalStorage.AppendFile created = null;
        try {
            created = storage.create(name);
            created.write(SegmentFiles.header(base, System.currentTimeMillis()));
            force(created);
            try {
                storage.syncDirectory();
            } catch (IOException e) {
                throw new ForceFailedException(e);
            }
        } catch (IOException e) {
            if (created != null) {
                closeQuietly(created);
            }
            try {
                storage.delete(name);
            } catch (IOException ignored) {
                // the next attempt fails on the same name if this did not work; it is reported then
            }
            throw e;
        }
        JournalStorage.AppendFile sealed = active;
        active = created;
        committedSize = SegmentFiles.HEADER_BYTES;
        listener.segmentCreated(base, SegmentFiles.HEADER_BYTES);
        if (sealed != null) {
            try {
                if (policy != FsyncPolicy.NONE) {
                    force(sealed);
                }
            } finally {
                sealed.close();
            }
        }
    }

    private byte[] topicBytes(String topic) {
        if (topic != lastTopic) {
            lastTopicBytes = topic.getBytes(StandardCharsets.UTF_8);
            lastTopic = topic;
        }
        return lastTopicBytes;
    }

    private static void closeQuietly(JournalStorage.AppendFile file) {
        try {
            file.close();
        } catch (IOException ignored) {
            // already failing
        }
    }
}
