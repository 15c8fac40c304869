package dev.eventpublisher.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The 202 latency of NDJSON requests sent at a fixed rate (open loop): each of {@code clients} threads has
 * its own schedule and measures from the time a request was due, not from when it went out, so a slow
 * answer also counts against the requests queued behind it (no coordinated omission).
 */
final class HttpLatency {
    /** Milliseconds; {@code refused} counts non-202 answers. */
    record Result(double requestsPerSecond, long requests, long refused, double p50, double p99, double p999, double max) {
    }

    private HttpLatency() {
    }

    static Result measure(String baseUrl, List<Path> bodies, double requestsPerSecond, Duration duration, int clients)
            throws Exception {
        List<byte[]> payloads = new ArrayList<>();
        for (Path body : bodies) {
            payloads.add(Files.readAllBytes(body));
        }
        Recorder recorder = new Recorder(60_000_000_000L, 3);
        AtomicLong refused = new AtomicLong();
        long periodNanos = (long) (clients * 1e9 / requestsPerSecond);
        long start = System.nanoTime() + 100_000_000L;
        long end = start + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                long due = start + periodNanos * client / clients;
                for (int i = client; due < end; i++, due += periodNanos) {
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/events"))
                                .header("Content-Type", "application/x-ndjson").timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(payloads.get(i % payloads.size()))).build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() != 202) {
                            refused.incrementAndGet();
                        }
                    } catch (Exception e) {
                        refused.incrementAndGet();
                    }
                    recorder.recordValue(Math.max(1, (System.nanoTime() - due) / 1_000));
                }
            }, "latency-client-" + c);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        Histogram micros = recorder.getIntervalHistogram();
        return new Result(requestsPerSecond, micros.getTotalCount(), refused.get(), micros.getValueAtPercentile(50) / 1000.0,
                micros.getValueAtPercentile(99) / 1000.0, micros.getValueAtPercentile(99.9) / 1000.0, micros.getMaxValue() / 1000.0);
    }
}
