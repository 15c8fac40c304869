package dev.eventpublisher.outcome;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.header.Header;

/**
 * The bytes of events the publisher holds in memory: taken when an event enters the ring (a publish, or the
 * journal's replay), given back when it has its outcome. Between those two points an event is in the ring, the
 * batcher, the sender's ring, parked on a topic being looked up, in the producer or waiting to be sent again —
 * so this one number bounds them all, whatever the event size, where ring slots alone bounded only the count
 * (65,536 slots of 1 MiB events is 64 GiB). A full budget refuses a publish like a full ring.
 *
 * <p>Each event counts {@link #eventBytes}: its key, value and headers plus a fixed overhead for the objects
 * that carry it. Taking and giving back are single atomic adds on any thread; an event always fits an empty
 * budget, so one event larger than the whole budget is slow, never stuck.
 */
public final class ByteBudget {
    /** Per event: the slot's, the future's and the Kafka record's objects, roughly. */
    public static final int EVENT_OVERHEAD = 128;

    private final long max;
    private final AtomicLong used = new AtomicLong();

    public ByteBudget(long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("invalid maxBytes=" + maxBytes + ": must be at least 1");
        }
        this.max = maxBytes;
    }

    /** The default: a quarter of the JVM's maximum heap. */
    public static long defaultMaxBytes() {
        return Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4);
    }

    /** What one event counts. The same arrays give the same count, wherever it is computed. */
    public static long eventBytes(byte[] key, byte[] value, Iterable<Header> headers) {
        long bytes = EVENT_OVERHEAD + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        if (headers != null) {
            for (Header h : headers) {
                bytes += h.key().length() + (h.value() == null ? 0 : h.value().length) + 16;
            }
        }
        return bytes;
    }

    /** Takes {@code bytes} if they fit (or the budget is empty); false, taking nothing, if not. */
    public boolean tryTake(long bytes) {
        long after = used.addAndGet(bytes);
        if (after > max && after != bytes) {
            used.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    /** Gives back what {@link #tryTake} took. */
    public void giveBack(long bytes) {
        used.addAndGet(-bytes);
    }

    /** Whether {@code bytes} would fit now (a hint: others take and give back meanwhile). */
    public boolean hasRoomFor(long bytes) {
        long now = used.get();
        return now == 0 || now + bytes <= max;
    }

    public long used() {
        return used.get();
    }

    public long max() {
        return max;
    }
}
