package dev.eventpublisher.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.HdrHistogram.Histogram;

/**
 * This disk's {@code fdatasync} latency, the floor of a {@code fsync = batch} group commit: appends
 * 16 KiB and forces it, {@code samples} times, in a file next to where journals go.
 */
final class FsyncProbe {
    /** Microseconds. */
    record Result(int samples, double p50, double p99, double p999, double max) {
    }

    private FsyncProbe() {
    }

    static Result measure(Path dir, int samples) throws IOException {
        Path file = Files.createTempFile(dir, "fsync-probe-", ".bin");
        Histogram micros = new Histogram(10_000_000L, 3);
        ByteBuffer block = ByteBuffer.allocateDirect(16 * 1024);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            for (int i = 0; i < samples; i++) {
                block.clear();
                channel.write(block);
                long start = System.nanoTime();
                channel.force(false);
                micros.recordValue(Math.max(1, (System.nanoTime() - start) / 1_000));
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return new Result(samples, micros.getValueAtPercentile(50) / 1000.0, micros.getValueAtPercentile(99) / 1000.0,
                micros.getValueAtPercentile(99.9) / 1000.0, micros.getMaxValue() / 1000.0);
    }
}
