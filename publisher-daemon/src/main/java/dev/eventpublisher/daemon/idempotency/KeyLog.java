package dev.eventpublisher.daemon.idempotency;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotency keys on disk, next to the journal: append-only files of one JSON line per answered
 * key, {@code keys-<first millis>.log}. A new file is started every half window and a file is deleted
 * once everything in it is older than the window, so no file is ever rewritten. Appends go to the page
 * cache before the answer leaves (survives {@code kill -9}); with {@code force}, files are forced every
 * 200 ms (a power cut forgets at most that much). A torn last line is skipped at load.
 */
public final class KeyLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    private static final String PREFIX = "keys-";
    private static final String SUFFIX = ".log";

    /** One stored key. */
    record Line(String key, byte[] fingerprint, long createdMillis, Answer answer) {
    }

    private final Path dir;
    private final long windowMillis;
    private final LongSupplier clock;
    private final ScheduledExecutorService forcer;
    private FileChannel current;
    private long currentStart;
    private boolean dirty;

    public KeyLog(Path dir, Duration window, boolean force, LongSupplier clock) {
        this.dir = dir;
        this.windowMillis = window.toMillis();
        this.clock = clock;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + " for the idempotency keys: " + e.getMessage(), e);
        }
        if (force) {
            forcer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "idempotency-key-log");
                t.setDaemon(true);
                return t;
            });
            forcer.scheduleWithFixedDelay(this::forceQuietly, 200, 200, TimeUnit.MILLISECONDS);
        } else {
            forcer = null;
        }
    }

    Path dir() {
        return dir;
    }

    /**
     * Every line still inside the window, oldest file first. Read-only: it runs before the journal's
     * lock is taken, so a daemon refused the journal must not have changed anything here.
     */
    List<Line> load(long now) {
        List<Line> lines = new ArrayList<>();
        List<Path> files = files();
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            if (i + 1 < files.size() && startOf(files.get(i + 1)) <= now - windowMillis) {
                continue; // wholly expired; the next rotation deletes it
            }
            int torn = 0;
            try {
                for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    Line line = parse(text);
                    if (line == null) {
                        torn++;
                    } else if (line.createdMillis() > now - windowMillis) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                LOG.warn("cannot read idempotency keys from {}: {}; its keys are forgotten", file, e.toString());
            }
            if (torn > 0) {
                LOG.info("{}: {} unreadable line(s) skipped (a write cut short by a crash)", file, torn);
            }
        }
        return lines;
    }

    synchronized void append(String key, byte[] fingerprint, long createdMillis, Answer answer) throws IOException {
        long now = clock.getAsLong();
        if (current == null || now - currentStart >= windowMillis / 2) {
            rotate(now);
        }
        ObjectNode node = JSON.createObjectNode();
        node.put("k", key);
        node.put("f", fingerprint == null ? null : HEX.formatHex(fingerprint));
        node.put("t", createdMillis);
        node.put("s", answer.status());
        node.put("b", new String(answer.body(), StandardCharsets.UTF_8));
        byte[] line = (JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
            current.write(buffer);
        }
        dirty = true;
    }

    private void rotate(long now) throws IOException {
        if (current != null) {
            current.force(false);
            current.close();
        }
        long start = Math.max(now, currentStart + 1); // a unique name even if the clock stands still
        current = FileChannel.open(dir.resolve(PREFIX + start + SUFFIX), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        currentStart = start;
        dirty = false;
        List<Path> files = files();
        for (int i = 0; i + 1 < files.size(); i++) {
            if (startOf(files.get(i + 1)) <= now - windowMillis) {
                deleteQuietly(files.get(i));
            }
        }
    }

    private synchronized void forceQuietly() {
        if (!dirty || current == null) {
            return;
        }
        try {
            current.force(false);
            dirty = false;
        } catch (IOException e) {
            LOG.warn("cannot force the idempotency keys in {}: {}", dir, e.toString());
        }
    }

    private static Line parse(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            JsonNode f = node.get("f");
            return new Line(node.get("k").asText(), f == null || f.isNull() ? null : HEX.parseHex(f.asText()),
                    node.get("t").asLong(), new Answer(node.get("s").asInt(),
                    node.get("b").asText().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private List<Path> files() {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().startsWith(PREFIX) && p.getFileName().toString().endsWith(SUFFIX))
                    .filter(p -> startOf(p) >= 0)
                    .sorted((a, b) -> Long.compare(startOf(a), startOf(b)))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long startOf(Path file) {
        String name = file.getFileName().toString();
        try {
            return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete expired idempotency keys {}: {}", file, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (forcer != null) {
            forcer.shutdownNow();
        }
        if (current != null) {
            try {
                current.force(false);
                current.close();
            } catch (IOException e) {
                LOG.warn("cannot close the idempotency keys in {}: {}", dir, e.toString());
            }
            current = null;
        }
    }
}
