package dev.eventpublisher.journal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the durable journal. Immutable; {@link #validate()} names the first bad value.
 *
 * <pre>{@code
 * EventPublisher.builder()
 *     .journal(JournalConfig.at(Path.of("data/journal")).fsync(FsyncPolicy.BATCH).maxBytes(1L << 30))
 * }</pre>
 *
 * @param dir           the journal's directory (created if missing); one publisher at a time (a lock file)
 * @param fsync         when accepted events are forced to the disk
 * @param fsyncInterval how often {@link FsyncPolicy#INTERVAL} forces the file
 * @param segmentBytes  a segment is closed and a new one begun past this size; space is freed in segments
 * @param maxBytes      the journal's files never grow past this; then {@code whenFull} applies
 * @param whenFull      what publishing does while the journal is full
 */
public record JournalConfig(Path dir, FsyncPolicy fsync, Duration fsyncInterval, long segmentBytes, long maxBytes,
                            WhenFull whenFull) {
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    public static final Duration DEFAULT_FSYNC_INTERVAL = Duration.ofMillis(50);
    /** Smallest segment: a few large HTTP requests. */
    public static final long MIN_SEGMENT_BYTES = 1L << 20;

    public JournalConfig {
        Objects.requireNonNull(dir, "journal dir");
    }

    /** Defaults: fsync per group commit, 64 MiB segments, 1 GiB at most, reject when full. */
    public static JournalConfig at(Path dir) {
        return new JournalConfig(dir, FsyncPolicy.BATCH, DEFAULT_FSYNC_INTERVAL, DEFAULT_SEGMENT_BYTES, DEFAULT_MAX_BYTES,
                WhenFull.REJECT);
    }

    public JournalConfig withDir(Path directory) {
        return new JournalConfig(directory, fsync, fsyncInterval, segmentBytes, maxBytes, whenFull);
    }

    public JournalConfig fsync(FsyncPolicy policy) {
        return new JournalConfig(dir, policy, fsyncInterval, segmentBytes, maxBytes, whenFull);
    }

    public JournalConfig fsyncInterval(Duration interval) {
        return new JournalConfig(dir, fsync, interval, segmentBytes, maxBytes, whenFull);
    }

    public JournalConfig segmentBytes(long bytes) {
        return new JournalConfig(dir, fsync, fsyncInterval, bytes, maxBytes, whenFull);
    }

    public JournalConfig maxBytes(long bytes) {
        return new JournalConfig(dir, fsync, fsyncInterval, segmentBytes, bytes, whenFull);
    }

    public JournalConfig whenFull(WhenFull policy) {
        return new JournalConfig(dir, fsync, fsyncInterval, segmentBytes, maxBytes, policy);
    }

    /** Checks every value; the exception names the setting, the value and the rule. */
    public JournalConfig validate() {
        if (fsync == null) {
            throw invalid("journal.fsync", null, "must be batch, interval or none");
        }
        if (whenFull == null) {
            throw invalid("journal.whenFull", null, "must be block or reject");
        }
        if (fsyncInterval == null || fsyncInterval.isNegative() || fsyncInterval.isZero()) {
            throw invalid("journal.fsyncInterval", fsyncInterval, "must be a positive duration");
        }
        if (segmentBytes < MIN_SEGMENT_BYTES) {
            throw invalid("journal.segmentBytes", segmentBytes, "must be >= " + MIN_SEGMENT_BYTES + " (1 MiB)");
        }
        if (maxBytes < 4 * segmentBytes) {
            throw invalid("journal.maxBytes", maxBytes, "must be >= 4 x journal.segmentBytes (" + 4 * segmentBytes
                    + "): space is freed a whole segment at a time");
        }
        return this;
    }

    private static IllegalArgumentException invalid(String setting, Object value, String rule) {
        return new IllegalArgumentException("invalid " + setting + "=" + value + ": " + rule);
    }
}
