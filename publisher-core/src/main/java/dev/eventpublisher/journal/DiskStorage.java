package dev.eventpublisher.journal;

import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** {@link JournalStorage} on a real directory, with {@link FileChannel}s. */
public final class DiskStorage implements JournalStorage {
    private static final String LOCK_FILE = "lock";

    private final Path dir;

    public DiskStorage(Path dir) throws IOException {
        this.dir = dir.toAbsolutePath();
        Files.createDirectories(this.dir);
    }

    @Override
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }

    @Override
    public AppendFile create(String name) throws IOException {
        return new DiskAppendFile(FileChannel.open(dir.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    @Override
    public AppendFile openAppend(String name) throws IOException {
        return new DiskAppendFile(FileChannel.open(dir.resolve(name), StandardOpenOption.WRITE));
    }

    @Override
    public ReadFile openRead(String name) throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve(name), StandardOpenOption.READ);
        return new ReadFile() {
            @Override
            public long size() throws IOException {
                return channel.size();
            }

            @Override
            public int read(ByteBuffer target, long position) throws IOException {
                return channel.read(target, position);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name));
    }

    @Override
    public void rename(String from, String to) throws IOException {
        Files.move(dir.resolve(from), dir.resolve(to), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void syncDirectory() throws IOException {
        // Linux makes a directory's entries durable with an fsync of the directory itself.
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    @Override
    public Closeable lock() throws IOException {
        Path file = dir.resolve(LOCK_FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            lock = null;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
            channel.close();
            throw new JournalLockedException("journal " + dir + " is in use by another publisher"
                    + (holder.isEmpty() ? "" : " (" + holder + ")") + "; two processes must never share a journal");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " ("
                + ManagementFactory.getRuntimeMXBean().getName() + ")\n").getBytes(StandardCharsets.UTF_8)), 0);
        FileLock held = lock;
        return () -> {
            held.release();
            channel.close();
        };
    }

    @Override
    public String describe() {
        return dir.toString();
    }

    /** Positional writes at a remembered end: one writer thread, no {@code fstat} per write. */
    private static final class DiskAppendFile implements AppendFile {
        private final FileChannel channel;
        private volatile long end;

        DiskAppendFile(FileChannel channel) throws IOException {
            this.channel = channel;
            this.end = channel.size();
        }

        @Override
        public long size() {
            return end;
        }

        @Override
        public void write(ByteBuffer source) throws IOException {
            try {
                while (source.hasRemaining()) {
                    end += channel.write(source, end);
                }
            } catch (IOException e) {
                end = channel.size(); // a partial write may have landed
                throw e;
            }
        }

        @Override
        public void force() throws IOException {
            channel.force(false);
        }

        @Override
        public void truncate(long size) throws IOException {
            channel.truncate(size);
            end = channel.size();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
