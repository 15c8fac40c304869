package dev.eventpublisher.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A model of a directory on a disk that can lose power, for the journal's fault tests. Every file keeps
 * what a read sees now (the page cache) apart from what survived its last {@code force()} (the disk);
 * the directory keeps its names apart from the names as of its last fsync. {@link #afterCrash} makes the
 * directory a machine would find after a process crash (everything written survives) or a power cut
 * (only what was forced, plus — as on a real disk — maybe a torn or zero-filled piece of the last
 * unforced write). Faults on demand: {@code force()} failing, a full disk, a flipped bit.
 *
 * <p>Thread-safe: every operation locks the storage, so a crash image is a consistent instant.
 */
public final class FaultyStorage implements JournalStorage {
    /** What a power cut leaves of the bytes written after a file's last force. */
    public enum Tail { NOTHING, TORN, ZEROS }

    private static final class FileState {
        byte[] data = new byte[0];
        int length;
        byte[] forced = new byte[0];

        FileState copyCurrent() {
            FileState copy = new FileState();
            copy.data = Arrays.copyOf(data, length);
            copy.length = length;
            copy.forced = copy.data.clone();
            return copy;
        }
    }

    private final Map<String, FileState> names = new HashMap<>();
    private Map<String, FileState> syncedNames = new HashMap<>();
    private boolean locked;
    private int forcesUntilFailure = -1;
    private long capacity = Long.MAX_VALUE;
    private int forces;
    private int forceAttempts;

    @Override
    public synchronized List<String> list() {
        return new ArrayList<>(names.keySet());
    }

    @Override
    public synchronized AppendFile create(String name) throws IOException {
        if (names.containsKey(name)) {
            throw new IOException(name + " exists");
        }
        FileState file = new FileState();
        names.put(name, file);
        return new Appender(file);
    }

    @Override
    public synchronized AppendFile openAppend(String name) throws IOException {
        return new Appender(existing(name));
    }

    @Override
    public synchronized ReadFile openRead(String name) throws IOException {
        FileState file = existing(name);
        return new ReadFile() {
            @Override
            public long size() {
                synchronized (FaultyStorage.this) {
                    return file.length;
                }
            }

            @Override
            public int read(ByteBuffer target, long position) {
                synchronized (FaultyStorage.this) {
                    if (position >= file.length) {
                        return -1;
                    }
                    int n = (int) Math.min(target.remaining(), file.length - position);
                    target.put(file.data, (int) position, n);
                    return n;
                }
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public synchronized void delete(String name) {
        names.remove(name);
    }

    @Override
    public synchronized void rename(String from, String to) throws IOException {
        names.put(to, existing(from));
        names.remove(from);
    }

    @Override
    public synchronized void syncDirectory() throws IOException {
        checkForce();
        syncedNames = new HashMap<>(names);
    }

    @Override
    public synchronized Closeable lock() throws IOException {
        if (locked) {
            throw new JournalLockedException("journal in use by another publisher (model)");
        }
        locked = true;
        return () -> {
            synchronized (FaultyStorage.this) {
                locked = false;
            }
        };
    }

    @Override
    public String describe() {
        return "model";
    }

    /** From now on, the {@code n}+1st force (of a file or the directory) and every later one fail. */
    public synchronized void failForcesAfter(int n) {
        forcesUntilFailure = n;
    }

    /** The disk holds this many bytes in all files; a write past it writes what fits and fails with ENOSPC. */
    public synchronized void capacity(long bytes) {
        capacity = bytes;
    }

    /** Flips one bit of a file (what reads and a later crash image both see). */
    public synchronized void flipBit(String name, long offset, int bit) throws IOException {
        FileState file = existing(name);
        file.data[(int) offset] ^= (byte) (1 << bit);
        if (offset < file.forced.length) {
            file.forced[(int) offset] ^= (byte) (1 << bit);
        }
    }

    public synchronized long size(String name) throws IOException {
        return existing(name).length;
    }

    public synchronized int forces() {
        return forces;
    }

    /** Forces tried, failed ones included. */
    public synchronized int forceAttempts() {
        return forceAttempts;
    }

    /**
     * The directory as the next start would find it: after a process crash ({@code powerCut} false)
     * everything written; after a power cut only the directory as last synced, each file as last forced,
     * plus what {@code tail} says of the unforced rest.
     */
    public synchronized FaultyStorage afterCrash(boolean powerCut, Tail tail, Random random) {
        FaultyStorage image = new FaultyStorage();
        Map<FileState, FileState> copies = new HashMap<>();
        Map<String, FileState> source = powerCut ? syncedNames : names;
        for (Map.Entry<String, FileState> e : source.entrySet()) {
            FileState original = e.getValue();
            FileState copy = copies.computeIfAbsent(original, f -> powerCut ? survivor(f, tail, random) : f.copyCurrent());
            image.names.put(e.getKey(), copy);
        }
        image.syncedNames = new HashMap<>(image.names);
        return image;
    }

    private static FileState survivor(FileState f, Tail tail, Random random) {
        FileState copy = new FileState();
        byte[] kept = f.forced.clone();
        int unforced = f.length - kept.length;
        boolean appendedOnly = unforced > 0 && Arrays.equals(f.data, 0, kept.length, kept, 0, kept.length);
        if (appendedOnly && tail != Tail.NOTHING) {
            int extra = 1 + random.nextInt(unforced);
            byte[] grown = Arrays.copyOf(kept, kept.length + extra);
            if (tail == Tail.TORN) {
                System.arraycopy(f.data, kept.length, grown, kept.length, extra);
            }
            kept = grown;
        }
        copy.data = kept;
        copy.length = kept.length;
        copy.forced = kept.clone();
        return copy;
    }

    private FileState existing(String name) throws IOException {
        FileState file = names.get(name);
        if (file == null) {
            throw new java.nio.file.NoSuchFileException(name);
        }
        return file;
    }

    private void checkForce() throws IOException {
        forceAttempts++;
        if (forcesUntilFailure == 0) {
            throw new IOException("Input/output error (injected force failure)");
        }
        if (forcesUntilFailure > 0) {
            forcesUntilFailure--;
        }
        forces++;
    }

    private long used() {
        java.util.Set<FileState> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        distinct.addAll(names.values());
        long total = 0;
        for (FileState f : distinct) {
            total += f.length;
        }
        return total;
    }

    private final class Appender implements AppendFile {
        private final FileState file;

        Appender(FileState file) {
            this.file = file;
        }

        @Override
        public long size() {
            synchronized (FaultyStorage.this) {
                return file.length;
            }
        }

        @Override
        public void write(ByteBuffer source) throws IOException {
            synchronized (FaultyStorage.this) {
                int wanted = source.remaining();
                long room = capacity - used();
                int n = (int) Math.max(0, Math.min(wanted, room));
                if (file.data.length < file.length + n) {
                    file.data = Arrays.copyOf(file.data, Math.max(file.length + n, file.data.length * 2));
                }
                source.get(file.data, file.length, n);
                file.length += n;
                if (n < wanted) {
                    throw new IOException("No space left on device");
                }
            }
        }

        @Override
        public void force() throws IOException {
            synchronized (FaultyStorage.this) {
                checkForce();
                file.forced = Arrays.copyOf(file.data, file.length);
            }
        }

        @Override
        public void truncate(long size) {
            synchronized (FaultyStorage.this) {
                file.length = (int) Math.min(file.length, size);
            }
        }

        @Override
        public void close() {
        }
    }
}
