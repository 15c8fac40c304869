package dev.eventpublisher.journal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which journal positions are done (acknowledged by Kafka, or failed for a reason of their own), and
 * the low-water mark: every position below it is done. Acknowledgements arrive out of order, so done
 * positions above the mark are bits in a window of {@code capacity} positions, reused as the mark moves.
 *
 * <p>Threads: {@link #done} from any thread (Kafka's I/O thread, the sender) — one atomic OR;
 * {@link #advance} from one thread at a time (synchronized). Whoever assigns positions must keep every
 * position it hands out below {@code mark() + capacity()} ({@link #hasRoomFor}), or two positions would
 * share a bit.
 */
final class LowWaterMark {
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] bits;
    private final long mask;
    private volatile long mark;

    /** @param capacity a power of two >= 64: positions that may be outstanding at once */
    LowWaterMark(long capacity, long start) {
        if (capacity < 64 || Long.bitCount(capacity) != 1 || capacity / 64 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("capacity must be a power of two >= 64, was " + capacity);
        }
        this.bits = new long[(int) (capacity / 64)];
        this.mask = capacity - 1;
        this.mark = start;
    }

    /** Any thread: {@code position} (at or above the mark, below mark + capacity) is done. Called once per position. */
    void done(long position) {
        long bit = position & mask;
        WORDS.getAndBitwiseOr(bits, (int) (bit >>> 6), 1L << bit);
    }

    /** Moves the mark over every done position directly above it; returns the new mark. */
    synchronized long advance() {
        long m = mark;
        while (true) {
            long bit = m & mask;
            int word = (int) (bit >>> 6);
            int offset = (int) (bit & 63);
            long run = Long.numberOfTrailingZeros(~((long) WORDS.getVolatile(bits, word) >>> offset));
            if (offset + run > 64) {
                run = 64 - offset; // the shift filled the top with zeros, ~ made them ones
            }
            if (run == 0) {
                break;
            }
            long clear = run == 64 ? -1L : ((1L << run) - 1) << offset;
            WORDS.getAndBitwiseAnd(bits, word, ~clear);
            m += run;
            if (offset + run < 64) {
                break;
            }
        }
        mark = m;
        return m;
    }

    long mark() {
        return mark;
    }

    long capacity() {
        return mask + 1;
    }

    /** Whether positions up to {@code lastPosition} can be handed out now. */
    boolean hasRoomFor(long lastPosition) {
        return lastPosition - mark < mask + 1;
    }
}
