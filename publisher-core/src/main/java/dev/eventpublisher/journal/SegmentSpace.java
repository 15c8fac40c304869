package dev.eventpublisher.journal;

import java.io.IOException;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The journal's segment files and the bytes they take: the journal thread adds segments and bytes as it
 * writes, the background thread deletes whole segments below the low-water mark; any thread reads the total.
 */
final class SegmentSpace {
    /** A segment file: its base position and size (the active one's grows on the journal thread). */
    private static final class Segment {
        final long base;
        volatile long bytes;

        Segment(long base, long bytes) {
            this.base = base;
            this.bytes = bytes;
        }
    }

    private final JournalStorage storage;
    private final Deque<Segment> segments = new ConcurrentLinkedDeque<>();
    private final AtomicLong bytes = new AtomicLong();

    SegmentSpace(JournalStorage storage, Iterable<Recovery.Segment> recovered) {
        this.storage = storage;
        for (Recovery.Segment s : recovered) {
            added(s.base(), s.bytes());
        }
    }

    /** Journal thread: a new (active) segment. */
    void added(long base, long size) {
        segments.add(new Segment(base, size));
        bytes.addAndGet(size);
    }

    /** Journal thread: {@code size} bytes appended to (or, negative, cut from) the active segment. */
    void grew(long size) {
        Segment active = segments.peekLast();
        if (active != null) {
            active.bytes += size;
        }
        bytes.addAndGet(size);
    }

    long bytes() {
        return bytes.get();
    }

    int count() {
        return segments.size();
    }

    /**
     * Background thread: deletes every segment whose positions are all below {@code mark} (the next segment
     * starts at or below it), then forces the directory. The active segment, having no successor, stays.
     *
     * @return whether anything was deleted
     */
    boolean deleteBelow(long mark) throws IOException {
        boolean freed = false;
        while (true) {
            Iterator<Segment> it = segments.iterator();
            Segment first = it.hasNext() ? it.next() : null;
            Segment second = it.hasNext() ? it.next() : null;
            if (first == null || second == null || second.base > mark) {
                break;
            }
            storage.delete(SegmentFiles.name(first.base));
            segments.pollFirst();
            bytes.addAndGet(-first.bytes);
            freed = true;
        }
        if (freed) {
            try {
                storage.syncDirectory();
            } catch (IOException e) {
                throw new ForceFailedException(e);
            }
        }
        return freed;
    }
}
