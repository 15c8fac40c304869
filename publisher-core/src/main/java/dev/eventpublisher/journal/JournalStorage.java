package dev.eventpublisher.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The journal's view of its directory: plain files written with ordinary writes (never memory-mapped,
 * so a full disk is an {@code IOException}, not a SIGBUS). {@link DiskStorage} is the real one; tests
 * use a model that loses unsynced writes, tears the last write, fills up or fails {@code force()}.
 */
public interface JournalStorage {
    /** Names of the files in the directory. */
    List<String> list() throws IOException;

    /** Creates a new, empty file; fails if it exists. The directory entry is durable only after {@link #syncDirectory()}. */
    AppendFile create(String name) throws IOException;

    /** Opens an existing file for appending (recovery truncates a torn tail through it). */
    AppendFile openAppend(String name) throws IOException;

    ReadFile openRead(String name) throws IOException;

    void delete(String name) throws IOException;

    /** Renames atomically, replacing {@code to} if it exists; durable after {@link #syncDirectory()}. */
    void rename(String from, String to) throws IOException;

    /** Makes creations, renames and deletions durable (fsync of the directory). */
    void syncDirectory() throws IOException;

    /** Takes the directory's exclusive lock for this process, or fails with a message naming the holder. */
    Closeable lock() throws IOException;

    /** Where the files are, for messages. */
    String describe();

    /** A file written at its end by one thread; {@link #force()} may come from another. */
    interface AppendFile extends Closeable {
        long size() throws IOException;

        /** Writes all of {@code source} at the end; on failure part of it may have been written. */
        void write(ByteBuffer source) throws IOException;

        /** Forces written data to the device ({@code fdatasync}). After a failure, never call it again. */
        void force() throws IOException;

        void truncate(long size) throws IOException;
    }

    /** A file read at explicit positions. */
    interface ReadFile extends Closeable {
        long size() throws IOException;

        /** Reads into {@code target} from {@code position}; returns the bytes read, -1 at the end. */
        int read(ByteBuffer target, long position) throws IOException;
    }
}
