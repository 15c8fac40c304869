package dev.eventpublisher.journal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import com.lmax.disruptor.RingBuffer;
import dev.eventpublisher.outcome.ByteBudget;
import dev.eventpublisher.outcome.Outcomes;
import dev.eventpublisher.ring.Admission;
import dev.eventpublisher.ring.EventSlot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, hands every journalled event from the low-water mark on to the ring, in journal order and
 * before any new event (admission refuses new events with {@code REPLAYING} until it is done). Replayed
 * events keep their positions, so the journal stage passes them through and their acknowledgements
 * move the low-water mark like any other. Positions lost to damage are released as done and counted.
 *
 * <p>Runs on its own thread, so a daemon whose Kafka is down at start stays live, answers health checks
 * and stops on SIGTERM while the ring waits for Kafka.
 */
final class Replayer implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Replayer.class);
    private static final int CHUNK = 256;
    private static final long WAIT_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Journal journal;
    private final JournalStorage storage;
    private final Recovery.Result recovered;
    private final RingBuffer<EventSlot> ring;
    private final Admission admission;
    private final Outcomes outcomes;
    private final LongSupplier clock;
    private final ReplayStart start;
    private final ReplayListener listener;
    private final List<JournalRecord> chunk = new ArrayList<>(CHUNK);
    private long expected;
    private long replayed;
    private long replayedBytes;

    Replayer(Journal journal, JournalStorage storage, Recovery.Result recovered, RingBuffer<EventSlot> ring,
             Admission admission, Outcomes outcomes, LongSupplier clock, ReplayStart start, ReplayListener listener) {
        this.journal = journal;
        this.storage = storage;
        this.recovered = recovered;
        this.ring = ring;
        this.admission = admission;
        this.outcomes = outcomes;
        this.clock = clock;
        this.start = start;
        this.listener = listener;
        this.expected = recovered.mark();
    }

    @Override
    public void run() {
        if (!skipCommitted()) {
            return;
        }
        long start = System.nanoTime();
        LOG.info("journal {}: replaying {} event(s) from position {} before accepting new ones",
                storage.describe(), recovered.next() - expected, expected);
        try {
            List<Recovery.Segment> segments = recovered.segments();
            for (int i = 0; i < segments.size() && expected < recovered.next(); i++) {
                if (i + 1 < segments.size() && segments.get(i + 1).base() <= expected) {
                    continue; // wholly below the start: acknowledged, and the checkpoint may be deleting it now
                }
                if (!replaySegment(segments.get(i))) {
                    LOG.info("journal {}: replay stopped by close after {} event(s); the rest stays in the journal",
                            storage.describe(), replayed);
                    return;
                }
            }
            if (!flush()) {
                return;
            }
            release(recovered.next());
        } catch (IOException | RuntimeException e) {
            journal.fail("replay", e instanceof IOException io ? io : new IOException(e.toString(), e));
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        journal.replayFinished(millis);
        LOG.info("journal {}: replayed {} event(s) ({} bytes) in {} ms ({} events/s); accepting new events",
                storage.describe(), replayed, replayedBytes, millis, millis == 0 ? replayed : replayed * 1000 / millis);
    }

    /**
     * Waits for the start position (exactly-once: Kafka's committed position) and releases every position
     * below it as done. False if the publisher closed meanwhile, or if Kafka claims more than the journal
     * holds (then the journal fails: new events would reuse positions Kafka already counts as committed).
     */
    private boolean skipCommitted() {
        long committed = start.await(() -> !admission.isOpen());
        if (committed < 0) {
            LOG.info("journal {}: closed before the replay could start; the backlog stays in the journal", storage.describe());
            return false;
        }
        if (committed > recovered.next()) {
            journal.fail("exactly-once start", new IOException("Kafka's committed position for this journal is " + committed
                    + " but the journal ends at position " + recovered.next() + ": the journal is older than what Kafka"
                    + " has seen from it (restored from a backup?). Move the journal directory away to start a new one"));
            return false;
        }
        if (committed > expected) {
            LOG.info("journal {}: positions {}..{} are already committed in Kafka; not sending them again",
                    storage.describe(), expected, committed - 1);
            if (listener != null) {
                showCommitted(committed); // before they are released: then the checkpoint may delete their segments
            }
            for (long p = expected; p < committed; p++) {
                journal.done(p);
            }
            expected = committed;
        }
        return true;
    }

    /**
     * Shows the listener the events from the checkpoint's mark up to {@code committed}: Kafka committed them
     * after the last checkpoint, so they are not sent again, but the listener's state may need them (a client
     * whose answer was lost in the crash retries with its Idempotency-Key). A read error only costs the listener
     * those events: logged, not a journal failure (the replay that follows reads the same files and judges).
     */
    private void showCommitted(long committed) {
        int seen = 0;
        try {
            List<Recovery.Segment> segments = recovered.segments();
            for (int i = 0; i < segments.size(); i++) {
                Recovery.Segment segment = segments.get(i);
                if (segment.base() >= committed) {
                    break;
                }
                if (i + 1 < segments.size() && segments.get(i + 1).base() <= expected) {
                    continue; // wholly below the mark
                }
                try (JournalStorage.ReadFile file = storage.openRead(SegmentFiles.name(segment.base()))) {
                    SegmentScanner scanner = new SegmentScanner(file);
                    long offset = SegmentFiles.HEADER_BYTES;
                    while (scanner.readAt(offset, 0, Long.MAX_VALUE) == SegmentScanner.Found.RECORD) {
                        offset += scanner.recordBytes();
                        long position = RecordFormat.positionOf(scanner.payload());
                        if (position >= committed) {
                            break;
                        }
                        if (position >= expected) {
                            JournalRecord r = RecordFormat.decode(scanner.payload());
                            listener.replayed(r.topic(), r.key(), r.value(), r.headers(), r.journalledMillis());
                            seen++;
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("journal {}: reading the events Kafka already committed for the replay listener failed after {} "
                    + "event(s): {}", storage.describe(), seen, e.toString());
        }
    }

    /** Returns false if the publisher closed meanwhile. */
    private boolean replaySegment(Recovery.Segment segment) throws IOException {
        String name = SegmentFiles.name(segment.base());
        try (JournalStorage.ReadFile file = storage.openRead(name)) {
            SegmentScanner scanner = new SegmentScanner(file);
            long offset = SegmentFiles.HEADER_BYTES;
            while (true) {
                SegmentScanner.Found found = scanner.readAt(offset, 0, Long.MAX_VALUE);
                if (found == SegmentScanner.Found.END) {
                    return true;
                }
                if (found == SegmentScanner.Found.INVALID) {
                    // Recovery checked this file; damage since then loses the rest of it, counted below.
                    LOG.warn("journal {}: {} became unreadable at byte {} during replay ({})", storage.describe(), name,
                            offset, scanner.problem());
                    return true;
                }
                offset += scanner.recordBytes();
                long position = RecordFormat.positionOf(scanner.payload());
                if (position < expected) {
                    continue; // acknowledged before the crash
                }
                JournalRecord record = RecordFormat.decode(scanner.payload());
                if (!release(position)) {
                    return false;
                }
                chunk.add(record);
                replayedBytes += scanner.recordBytes();
                expected = position + 1;
                if (chunk.size() == CHUNK && !flush()) {
                    return false;
                }
            }
        }
    }

    /** Positions from {@code expected} up to {@code position} (exclusive) are missing: lost, so done. */
    private boolean release(long position) {
        if (!awaitRoom(position)) {
            return false;
        }
        if (position > expected) {
            LOG.warn("journal {}: positions {}..{} are missing (damaged); counted as lost", storage.describe(), expected,
                    position - 1);
            journal.lost(position - expected);
            for (long p = expected; p < position; p++) {
                journal.done(p);
            }
            expected = position;
        }
        return true;
    }

    /** Waits until {@code position} fits the low-water mark's window. */
    private boolean awaitRoom(long position) {
        while (!journal.hasRoomForPositions(position)) {
            if (!flush() || !admission.isOpen()) {
                return false;
            }
            LockSupport.parkNanos(WAIT_PARK_NANOS);
        }
        return true;
    }

    /** Publishes the chunk into the ring; false if the publisher closed. */
    private boolean flush() {
        int n = chunk.size();
        if (n == 0) {
            return true;
        }
        // Replayed events take their bytes like new ones (waiting for room: the replay is what frees it), so a
        // backlog of big events is replayed within the byte budget too.
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            JournalRecord r = chunk.get(i);
            bytes += ByteBudget.eventBytes(r.key(), r.value(), r.headers());
        }
        while (!outcomes.budget().tryTake(bytes)) {
            if (!admission.isOpen()) {
                return false;
            }
            LockSupport.parkNanos(WAIT_PARK_NANOS);
        }
        long hi = admission.claimBackground(n);
        if (hi < 0) {
            outcomes.budget().giveBack(bytes);
            return false;
        }
        long lo = hi - n + 1;
        long now = clock.getAsLong();
        for (int i = 0; i < n; i++) {
            JournalRecord r = chunk.get(i);
            if (listener != null) {
                listener.replayed(r.topic(), r.key(), r.value(), r.headers(), r.journalledMillis());
            }
            EventSlot slot = ring.get(lo + i);
            slot.event(r.topic(), r.key(), r.value(), r.headers(), null, now);
            slot.journalled(r.position());
            journal.sampleAge(r.position(), r.journalledMillis(), replayed == 0 && i == 0);
        }
        outcomes.replayed(n);
        ring.publish(lo, hi);
        replayed += n;
        chunk.clear();
        return true;
    }
}
