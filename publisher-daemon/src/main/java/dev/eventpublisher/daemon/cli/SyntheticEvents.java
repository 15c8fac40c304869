package dev.eventpublisher.daemon.cli;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Realistic, distinct JSON events for load generation and benchmarks. One repeated payload would
 * flatter every number (lz4 compresses it to nearly nothing), so callers cycle through a pool.
 */
public final class SyntheticEvents {
    private static final String[] TYPES = {"ProductCreated", "ProductUpdated", "OrderPlaced", "OrderShipped", "PaymentCaptured"};

    private SyntheticEvents() {
    }

    /** {@code count} distinct JSON objects of about {@code size} bytes each (seeded: the same pool every run). */
    public static byte[][] pool(int count, int size) {
        SplittableRandom random = new SplittableRandom(42);
        byte[][] pool = new byte[count][];
        for (int i = 0; i < count; i++) {
            StringBuilder json = new StringBuilder(size + 32);
            json.append("{\"type\":\"").append(TYPES[i % TYPES.length]).append("\",\"id\":").append(random.nextLong(1L << 40))
                    .append(",\"sku\":\"SKU-").append(random.nextInt(1_000_000)).append("\",\"price\":")
                    .append(random.nextInt(100_000) / 100.0).append(",\"note\":\"");
            while (json.length() < size - 2) {
                json.append((char) ('a' + random.nextInt(26)));
            }
            json.append("\"}");
            pool[i] = json.toString().getBytes(StandardCharsets.UTF_8);
        }
        return pool;
    }
}
