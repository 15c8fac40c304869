package dev.eventpublisher.journal;

import java.io.Closeable;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import dev.eventpublisher.PublishRejectedException;
import dev.eventpublisher.metrics.HdrHistogramReservoir;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.outcome.Outcomes;
import dev.eventpublisher.ring.Admission;
import dev.eventpublisher.ring.EventSlot;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable journal: every event is appended here (by the {@link JournalHandler} on the ring, ahead
 * of the batcher) before it is accepted, and stays until Kafka acknowledges it or it fails for a reason
 * of its own. After a crash, {@link #replay} hands what was never acknowledged to the pipeline again.
 *
 * <p>Threads: the journal thread (the handler) owns the writer (and, under {@link FsyncPolicy#INTERVAL},
 * forces it between groups once an interval has passed); a background thread advances the low-water mark,
 * writes the checkpoint and deletes whole segments below it, and forces what an idle journal thread left
 * unforced; any thread may report a position done or read the state. Opened with its directory locked; {@link #close} releases it.
 */
public final class Journal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    static final long CHECKPOINT_PERIOD_MS = 200;
    /** Positions that may be outstanding at once: enough for a full journal of the smallest records. */
    private static final long MIN_WINDOW = 1L << 16;
    private static final long MAX_WINDOW = 1L << 28;
    /** The age gauge samples one journalled time per this many positions. */
    private static final int AGE_SAMPLE_SHIFT = 10;
    /** After a full disk, how long before writing is tried again even if no segment was freed. */
    private static final long DISK_FULL_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final JournalConfig config;
    private final JournalStorage storage;
    private final Closeable lock;
    private final Recovery.Result recovered;
    private final LowWaterMark marks;
    private final JournalWriter writer;
    private final SegmentSpace space;
    private final AtomicLongArray ageSamples;
    private final Sequence committed = new Sequence(-1);
    private final ScheduledExecutorService background;
    private final Histogram fsyncNanos;
    final Counter fullRefusals;
    final Counter failedRefusals;
    private final Counter lost;
    private volatile long durableMark;
    private volatile String failure;
    private volatile boolean diskFull;
    private volatile long diskFullSince;
    private volatile boolean replaying;
    private volatile long replayMillis;
    private volatile boolean stopWaiting;
    private volatile ReplayListener replayListener;
    private boolean closed;

    private Journal(JournalConfig config, JournalStorage storage, Closeable lock, Recovery.Result recovered,
                    MetricRegistry registry, String threadPrefix) throws IOException {
        this.config = config;
        this.storage = storage;
        this.lock = lock;
        this.recovered = recovered;
        long window = Math.max(MIN_WINDOW, Math.min(MAX_WINDOW,
                Long.highestOneBit(config.maxBytes() / RecordFormat.MIN_RECORD_BYTES) << 1));
        this.marks = new LowWaterMark(window, recovered.mark());
        this.durableMark = recovered.mark();
        this.ageSamples = new AtomicLongArray((int) (window >>> AGE_SAMPLE_SHIFT));
        this.space = new SegmentSpace(storage, recovered.segments());
        this.fsyncNanos = registry.histogram(MetricNames.JOURNAL_FSYNC_NANOS, () -> new Histogram(new HdrHistogramReservoir(60)));
        this.fullRefusals = registry.counter(MetricNames.JOURNAL_FULL_REFUSALS);
        this.failedRefusals = registry.counter(MetricNames.JOURNAL_FAILED_REFUSALS);
        this.lost = registry.counter(MetricNames.JOURNAL_LOST);
        registry.counter(MetricNames.JOURNAL_CORRUPT_RECORDS).inc(recovered.damagedRegions());
        registry.counter(MetricNames.JOURNAL_TRUNCATED_BYTES).inc(recovered.truncatedBytes());
        this.writer = new JournalWriter(storage, config.fsync(), config.fsyncInterval().toNanos(), config.segmentBytes(),
                recovered.next(), new WriterEvents());
        writer.open();
        this.replaying = recovered.hasBacklog();
        registry.gauge(MetricNames.JOURNAL_BYTES, () -> space::bytes);
        registry.gauge(MetricNames.JOURNAL_SEGMENTS, () -> space::count);
        registry.gauge(MetricNames.JOURNAL_UNACKNOWLEDGED, () -> () -> Math.max(0, writer.nextPosition() - marks.mark()));
        registry.gauge(MetricNames.JOURNAL_OLDEST_AGE_MS, () -> this::oldestUnacknowledgedAgeMillis);
        registry.gauge(MetricNames.JOURNAL_STATE, () -> () -> failure != null ? 2 : replaying ? 3 : isFull() ? 1 : 0);
        registry.gauge(MetricNames.JOURNAL_REPLAY_MS, () -> () -> replayMillis);
        this.background = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadPrefix + "-journal");
            thread.setDaemon(true);
            return thread;
        });
        background.scheduleWithFixedDelay(this::checkpointQuietly, CHECKPOINT_PERIOD_MS, CHECKPOINT_PERIOD_MS,
                TimeUnit.MILLISECONDS);
        if (config.fsync() == FsyncPolicy.INTERVAL) {
            long interval = config.fsyncInterval().toNanos();
            background.scheduleWithFixedDelay(this::syncQuietly, interval, interval, TimeUnit.NANOSECONDS);
        }
    }

    /** Opens (creating, or recovering) the journal in {@code config.dir()}. */
    public static Journal open(JournalConfig config, MetricRegistry registry, String threadPrefix) throws IOException {
        return open(config.validate(), new DiskStorage(config.dir()), registry, threadPrefix);
    }

    /** Opens the journal on any storage (tests use a fault-injecting one). */
    public static Journal open(JournalConfig config, JournalStorage storage, MetricRegistry registry, String threadPrefix)
            throws IOException {
        config.validate();
        Closeable lock = storage.lock();
        try {
            Recovery.Result recovered = Recovery.recover(storage);
            return new Journal(config, storage, lock, recovered, registry, threadPrefix);
        } catch (IOException | RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    /** The exact journal size of an event's record, for {@link EventSlot#request}. */
    public static long recordBytes(String topic, byte[] key, byte[] value, Iterable<Header> headers) {
        return RecordFormat.recordSize(topic, key, value, headers);
    }

    /**
     * The ring stage that journals events; the batcher must be gated on {@link #committed()}, and
     * {@code committedSignal} wakes it after each move of that sequence (a no-op if it never parks).
     */
    public EventHandler<EventSlot> handler(RingBuffer<EventSlot> ring, Outcomes outcomes, Runnable committedSignal) {
        return new JournalHandler(this, writer, ring, outcomes, committed, committedSignal);
    }

    /** The last ring sequence whose events are all journalled (or refused): the batcher's barrier. */
    public Sequence committed() {
        return committed;
    }

    /** Any thread: the event at {@code position} is done (acknowledged, or failed for good); it may leave the journal. */
    public void done(long position) {
        marks.done(position);
    }

    /**
     * Why publishing would be refused now, as an {@link Admission} code, or 0: failed, replaying, full.
     * A volatile read or three: checked on every claim.
     */
    public long refusal() {
        if (failure != null) {
            return Admission.JOURNAL_FAILED;
        }
        if (replaying) {
            return Admission.REPLAYING;
        }
        return isFull() ? Admission.JOURNAL_FULL : 0;
    }

    /** {@code OK}, {@code FULL}, {@code FAILED} (accepts nothing until restarted) or {@code REPLAYING}. */
    public String state() {
        return failure != null ? "FAILED" : replaying ? "REPLAYING" : isFull() ? "FULL" : "OK";
    }

    public boolean waitsWhenFull() {
        return config.whenFull() == WhenFull.BLOCK;
    }

    /** Why the journal stopped accepting, or null while it works. */
    public String failure() {
        return failure;
    }

    public boolean isReplaying() {
        return replaying;
    }

    public JournalConfig config() {
        return config;
    }

    /** The id stored in the journal's checkpoint: stable for the journal's life. */
    public UUID id() {
        return recovered.journalId();
    }

    /** Whether an earlier run left events without an acknowledgement. */
    public boolean hasBacklog() {
        return recovered.hasBacklog();
    }

    /** Set before the publisher starts (the builder does it): sees every replayed event. */
    public void replayListener(ReplayListener listener) {
        this.replayListener = listener;
    }

    /**
     * Starts handing the backlog to the ring (before any new event: admission stays refused with
     * {@code REPLAYING} until it is all in). Returns at once; a thread does the work.
     */
    public void replay(RingBuffer<EventSlot> ring, Admission admission, Outcomes outcomes, java.util.function.LongSupplier clock,
                       String threadPrefix, ReplayStart start) {
        Replayer replayer = new Replayer(this, storage, recovered, ring, admission, outcomes, clock, start, replayListener);
        Thread thread = new Thread(replayer, threadPrefix + "-replay");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Exactly-once: accept nothing until {@link #replay} has learnt where Kafka's committed position is,
     * backlog or not (call before the pipeline admits anything).
     */
    public void holdUntilReplayed() {
        replaying = true;
    }

    /** The close deadline passed: a journal thread waiting for space gives up (refusing what it holds). */
    public void stopWaiting() {
        stopWaiting = true;
    }

    boolean stopWaitingRequested() {
        return stopWaiting;
    }

    /** Whether a call whose records take {@code requestBytes} fits now. */
    boolean fits(long requestBytes) {
        return !diskFull && space.bytes() + requestBytes <= config.maxBytes();
    }

    /** Whether a call this large can ever fit: no more than half the journal. */
    boolean canEverFit(long requestBytes) {
        return requestBytes <= config.maxBytes() / 2;
    }

    boolean hasRoomForPositions(long lastPosition) {
        return marks.hasRoomFor(lastPosition);
    }

    /** Whether the journal holds its max-bytes, or the disk was found full. */
    public boolean isFull() {
        return diskFull || space.bytes() >= config.maxBytes();
    }

    /** Publishing refused {@code n} events at admission with {@code code}: counted with the journal's refusals. */
    public void refusedAtAdmission(long code, int n) {
        if (code == Admission.JOURNAL_FULL) {
            fullRefusals.inc(n);
        } else if (code == Admission.JOURNAL_FAILED) {
            failedRefusals.inc(n);
        }
    }

    /** Journal thread: a write found the disk full. */
    void diskFull(IOException e) {
        if (!diskFull) {
            LOG.warn("journal {}: the disk is full ({}); refusing events until space is freed", storage.describe(), e.getMessage());
        }
        diskFullSince = System.nanoTime();
        diskFull = true;
    }

    /** Stops accepting for good (a failed force or write); logged once. */
    void fail(String what, IOException e) {
        if (failure == null) {
            failure = what + ": " + e.getMessage();
            LOG.error("journal {} FAILED ({}): accepting no more events (readiness is down); events already accepted"
                    + " are still delivered; restart the publisher to recover from the journal", storage.describe(), failure, e);
        }
    }

    /** Journal or replay thread: the journalled time of {@code position}, sampled for the age gauge. */
    void sampleAge(long position, long millis, boolean force) {
        if (force || (position & ((1 << AGE_SAMPLE_SHIFT) - 1)) == 0) {
            ageSamples.lazySet(ageIndex(position), millis);
        }
    }

    private int ageIndex(long position) {
        return (int) ((position >>> AGE_SAMPLE_SHIFT) & (ageSamples.length() - 1));
    }

    private long oldestUnacknowledgedAgeMillis() {
        long mark = marks.mark();
        if (mark >= writer.nextPosition()) {
            return 0;
        }
        long sampled = ageSamples.get(ageIndex(mark));
        return sampled == 0 ? 0 : Math.max(0, System.currentTimeMillis() - sampled);
    }

    /** Replay thread: the backlog is in the ring; new events may come. */
    void replayFinished(long millis) {
        replayMillis = Math.max(1, millis);
        replaying = false;
    }

    void lost(long positions) {
        lost.inc(positions);
    }

    /** Background thread: move the mark, checkpoint it, delete the segments wholly below it. */
    void checkpoint() throws IOException {
        long mark = marks.advance();
        long deleteBelow = durableMark;
        if (mark != durableMark) {
            try {
                new Checkpoint(recovered.journalId(), mark).write(storage);
                durableMark = mark;
                deleteBelow = mark;
            } catch (ForceFailedException e) {
                throw e;
            } catch (IOException e) {
                if (!diskFull) {
                    throw e;
                }
                // The disk is full and even the checkpoint has no room: free acknowledged segments first.
                // A crash before the next checkpoint finds them gone; everything in them was acknowledged.
                deleteBelow = mark;
            }
        }
        // Normally the durable mark: segments go only after the checkpoint, so a crash between the two leaves
        // segments the next start deletes itself.
        boolean freed = space.deleteBelow(deleteBelow);
        if (diskFull && (freed || System.nanoTime() - diskFullSince > DISK_FULL_RETRY_NANOS)) {
            diskFull = false;
        }
    }

    private void checkpointQuietly() {
        if (failure != null) {
            return; // after a failed force nothing is forced again; the next start replays from the last checkpoint
        }
        try {
            checkpoint();
        } catch (ForceFailedException e) {
            fail("checkpoint", e);
        } catch (IOException | RuntimeException e) {
            LOG.warn("journal {}: checkpoint failed ({}); trying again in {} ms", storage.describe(), e.toString(),
                    CHECKPOINT_PERIOD_MS);
        }
    }

    private void syncQuietly() {
        if (failure != null) {
            return;
        }
        try {
            writer.forceIfIdle();
        } catch (java.nio.channels.ClosedChannelException sealedMeanwhile) {
            // the journal thread rolled the segment and forced it itself
        } catch (IOException e) {
            fail("interval fsync", e);
        }
    }

    /** Last checkpoint, then stop: the directory is unlocked for the next owner. Call after the pipeline stopped. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        background.shutdown();
        try {
            background.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            writer.close();
        } catch (IOException e) {
            fail("close", e);
        }
        checkpointQuietly();
        LOG.info("journal {} closed: low-water mark {}, next position {}, {} event(s) kept for the next start",
                storage.describe(), durableMark, writer.nextPosition(), Math.max(0, writer.nextPosition() - durableMark));
        try {
            lock.close();
        } catch (IOException e) {
            LOG.warn("journal {}: releasing the lock: {}", storage.describe(), e.toString());
        }
    }

    /** The writer's reports, applied to the shared counts. */
    private final class WriterEvents implements JournalWriter.Listener {
        @Override
        public void segmentCreated(long base, long size) {
            space.added(base, size);
        }

        @Override
        public void bytesWritten(long size) {
            space.grew(size);
        }

        @Override
        public void forced(long nanos) {
            fsyncNanos.update(nanos);
        }
    }

    /** A refusal for a call the journal will not take. */
    static PublishRejectedException refusal(PublishRejectedException.Reason reason, String message) {
        return new PublishRejectedException(reason, message);
    }
}
