package dev.eventpublisher.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a journal directory to a state that can be trusted, before anything is written to it:
 * <ul>
 *   <li>finishes or discards what a crash interrupted (a temporary checkpoint, a half-written salvage);</li>
 *   <li>reads the checkpoint (a damaged one is ignored: everything still on disk is replayed);</li>
 *   <li>deletes segments wholly below the low-water mark (a crash after the checkpoint, before the delete);</li>
 *   <li>checks every remaining record's length, CRC and position. A bad tail (torn or zero-filled last
 *       write) is truncated to the last whole record; damage followed by good records (a bit flip) is
 *       repaired by copying the good records to a new file and setting the damaged one aside
 *       ({@code *.corrupt-<millis>}). Either way the loss is counted and logged, and start-up goes on.</li>
 * </ul>
 * Runs once, on the opening thread, with the directory locked.
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    /**
     * What recovery found.
     *
     * @param journalId      the journal's id (new if there was no readable checkpoint)
     * @param mark           the low-water mark: replay starts here
     * @param next           the position the next new event gets
     * @param segments       the remaining segments, ascending
     * @param truncatedBytes bytes cut from torn tails
     * @param damagedRegions stretches of bad bytes found (each a corrupt record or more)
     * @param lostPositions  positions found missing inside or between sealed segments (for the log; the replay
     *                       counts those it should have sent)
     */
    record Result(UUID journalId, long mark, long next, List<Segment> segments, long truncatedBytes,
                  long damagedRegions, long lostPositions) {
        boolean hasBacklog() {
            return next > mark && !segments.isEmpty();
        }

        long bytes() {
            return segments.stream().mapToLong(Segment::bytes).sum();
        }
    }

    /** A segment file that survived recovery. */
    record Segment(long base, long bytes) {
    }

    private final JournalStorage storage;
    private long truncatedBytes;
    private long damagedRegions;
    private long lostPositions;

    private Recovery(JournalStorage storage) {
        this.storage = storage;
    }

    static Result recover(JournalStorage storage) throws IOException {
        return new Recovery(storage).run();
    }

    private Result run() throws IOException {
        List<String> names = storage.list();
        finishInterrupted(names);
        Checkpoint checkpoint = readCheckpoint();
        List<Long> bases = new ArrayList<>();
        for (String name : storage.list()) {
            long base = SegmentFiles.baseOf(name);
            if (base >= 0) {
                bases.add(base);
            }
        }
        bases.sort(null);
        long mark = checkpoint != null ? checkpoint.mark() : bases.isEmpty() ? 0 : bases.get(0);
        while (bases.size() >= 2 && bases.get(1) <= mark) {
            storage.delete(SegmentFiles.name(bases.remove(0))); // done; the delete was interrupted
        }
        long next = mark;
        long bytes = 0;
        List<Segment> kept = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) {
            boolean last = i == bases.size() - 1;
            long base = bases.get(i);
            long nextBase = last ? Long.MAX_VALUE : bases.get(i + 1);
            Scanned s = scan(base, nextBase, last);
            if (s == null) {
                continue; // removed or set aside
            }
            if (last && s.end == base) {
                storage.delete(SegmentFiles.name(base)); // no record yet: the writer starts a fresh one here
                continue;
            }
            kept.add(new Segment(base, s.size));
            bytes += s.size;
            next = Math.max(next, s.end);
        }
        storage.syncDirectory();
        if (!kept.isEmpty() && kept.get(0).base() > mark) {
            // Segments below the first one were deleted once acknowledged (a full disk frees them before its
            // checkpoint), or set aside and counted just now: nothing there to replay.
            mark = kept.get(0).base();
        }
        UUID id = checkpoint != null ? checkpoint.journalId() : UUID.randomUUID();
        if (checkpoint == null) {
            new Checkpoint(id, mark).write(storage);
        }
        Result result = new Result(id, mark, next, List.copyOf(kept), truncatedBytes, damagedRegions, lostPositions);
        LOG.info("journal {}: {} segment(s), {} bytes, low-water mark {}, next position {}, {} event(s) to replay{}",
                storage.describe(), kept.size(), bytes, mark, next, Math.max(0, next - mark),
                truncatedBytes + damagedRegions + lostPositions == 0 ? ""
                        : "; repaired: " + truncatedBytes + " torn byte(s) truncated, " + damagedRegions
                        + " damaged region(s), " + lostPositions + " position(s) lost");
        return result;
    }

    /** A temporary checkpoint is discarded; a salvage copy is finished if its original is gone, else discarded. */
    private void finishInterrupted(List<String> names) throws IOException {
        if (names.contains(Checkpoint.TEMP)) {
            storage.delete(Checkpoint.TEMP);
        }
        for (String name : names) {
            if (name.endsWith(SegmentFiles.SALVAGE_SUFFIX)) {
                String original = name.substring(0, name.length() - SegmentFiles.SALVAGE_SUFFIX.length());
                if (names.contains(original)) {
                    storage.delete(name);
                } else {
                    storage.rename(name, original); // it was complete (forced) before the original was set aside
                }
            }
        }
        storage.syncDirectory();
    }

    private Checkpoint readCheckpoint() throws IOException {
        try {
            return Checkpoint.read(storage);
        } catch (Checkpoint.Unreadable e) {
            LOG.warn("journal {}: {}; replaying everything still on disk (some events may be sent twice)",
                    storage.describe(), e.getMessage());
            return null;
        }
    }

    /** One segment after checking (and repairing) it. */
    private record Scanned(long end, long size) {
    }

    /**
     * Checks one segment; returns its end (last position + 1) and size after any repair, or null if it
     * was removed (an empty torn start) or set aside (its header is damaged).
     */
    private Scanned scan(long base, long nextBase, boolean last) throws IOException {
        String name = SegmentFiles.name(base);
        List<long[]> extents = new ArrayList<>(); // good records after the first damage: {offset, bytes}
        long goodPrefixEnd;
        long expected = base;
        long size;
        try (JournalStorage.ReadFile file = storage.openRead(name)) {
            size = file.size();
            if (SegmentFiles.readHeader(file) != base) {
                if (last && size <= SegmentFiles.HEADER_BYTES) {
                    storage.delete(name); // a crash while creating it: it never held a record
                    return null;
                }
                setAside(name, "its header is damaged");
                damagedRegions++;
                if (!last) {
                    lostPositions += nextBase - base;
                }
                return null;
            }
            SegmentScanner scanner = new SegmentScanner(file);
            long offset = SegmentFiles.HEADER_BYTES;
            while (true) {
                SegmentScanner.Found found = scanner.readAt(offset, expected, expected + 1);
                if (found == SegmentScanner.Found.RECORD) {
                    offset += scanner.recordBytes();
                    expected++;
                    continue;
                }
                if (found == SegmentScanner.Found.END) {
                    return new Scanned(expected, size);
                }
                String problem = scanner.problem();
                goodPrefixEnd = offset;
                expected = collectAfterDamage(scanner, offset, expected, nextBase, extents);
                damagedRegions++;
                LOG.warn("journal {}: segment {} has bad data at byte {} ({}); {}", storage.describe(), name, offset,
                        problem, extents.isEmpty() ? "truncating it there" : "keeping the " + extents.size()
                                + " good record(s) after it");
                break;
            }
        }
        if (!last) {
            lostPositions += Math.max(0, nextBase - expected);
        }
        if (extents.isEmpty()) {
            truncatedBytes += size - goodPrefixEnd;
            try (JournalStorage.AppendFile file = storage.openAppend(name)) {
                file.truncate(goodPrefixEnd);
                file.force();
            }
            return new Scanned(expected, goodPrefixEnd);
        }
        return new Scanned(expected, salvage(name, goodPrefixEnd, extents));
    }

    /**
     * After damage at {@code offset}: looks byte by byte for later records that are whole, match their CRC
     * and carry a later position of this segment, following them to the end. Returns the position after
     * the last good one.
     */
    private long collectAfterDamage(SegmentScanner scanner, long offset, long expected, long nextBase,
                                    List<long[]> extents) throws IOException {
        long at = offset + 1;
        while (at + RecordFormat.MIN_RECORD_BYTES <= scanner.size()) {
            if (scanner.readAt(at, expected, nextBase) == SegmentScanner.Found.RECORD) {
                long position = RecordFormat.positionOf(scanner.payload());
                lostPositions += position - expected;
                extents.add(new long[] {at, scanner.recordBytes()});
                expected = position + 1;
                at += scanner.recordBytes();
                continue;
            }
            at++;
        }
        return expected;
    }

    /** Writes the good records to a new file, sets the damaged one aside and puts the copy in its place. */
    private long salvage(String name, long goodPrefixEnd, List<long[]> extents) throws IOException {
        String copy = name + SegmentFiles.SALVAGE_SUFFIX;
        storage.delete(copy);
        long written;
        try (JournalStorage.ReadFile from = storage.openRead(name);
             JournalStorage.AppendFile to = storage.create(copy)) {
            copyRange(from, to, 0, goodPrefixEnd);
            for (long[] extent : extents) {
                copyRange(from, to, extent[0], extent[1]);
            }
            to.force();
            written = to.size();
        }
        setAside(name, "it is damaged; its good records were copied to a new " + name);
        storage.rename(copy, name);
        storage.syncDirectory();
        return written;
    }

    private static void copyRange(JournalStorage.ReadFile from, JournalStorage.AppendFile to, long offset, long bytes)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(bytes, 1 << 20));
        long done = 0;
        while (done < bytes) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), bytes - done));
            while (buffer.hasRemaining()) {
                if (from.read(buffer, offset + done + buffer.position()) < 0) {
                    throw new IOException("file ended while copying");
                }
            }
            buffer.flip();
            to.write(buffer);
            done += buffer.limit();
        }
    }

    private void setAside(String name, String why) throws IOException {
        String aside = name + SegmentFiles.CORRUPT_SUFFIX + System.currentTimeMillis();
        storage.rename(name, aside);
        storage.syncDirectory();
        LOG.warn("journal {}: set {} aside as {} because {}", storage.describe(), name, aside, why);
    }
}
