package dev.eventpublisher.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventpublisher.daemon.cli.SyntheticEvents;
import org.HdrHistogram.Recorder;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * The soak run (not in CI): starts the daemon (embedded broker, default settings), measures its maximum
 * NDJSON rate for 20 s, then feeds it at half that rate for the given minutes, sampling every 10 s:
 * heap in use after GC, publish→ack p99 (the daemon's own histogram), client-side request p99,
 * acknowledged/failed/refused counts. Writes {@code benchmarks/results/soak/soak.csv}, {@code soak.md} and
 * {@code soak.png}. {@code benchmarks/soak [--minutes 10] [--rate EVENTS_PER_S]}.
 */
public final class Soak {
    private static final int EVENTS_PER_REQUEST = 100;
    private static final int MAX_OUTSTANDING = 256;

    private record Sample(long second, double ackedPerSecond, long failed, long refused, double heapAfterGcMb,
                          double publishToAckP99Ms, double requestP99Ms) {
    }

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = 10;
        long rate = 0;
        Path lib = Path.of("publisher-daemon/target/publisherd/lib");
        Path config = Path.of("config");
        Path out = Path.of("benchmarks/results/soak");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> minutes = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Long.parseLong(args[++i]);
                case "--daemon-lib" -> lib = Path.of(args[++i]);
                case "--config-dir" -> config = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(out);
        List<byte[]> bodies = bodies();
        try (RunningDaemon daemon = RunningDaemon.start(lib, config)) {
            if (rate == 0) {
                log("measuring the maximum rate for 20 s (after 10 s of warm-up)...");
                drive(daemon, bodies, Duration.ofSeconds(10));
                long before = daemon.counter("events.acknowledged");
                long start = System.nanoTime();
                drive(daemon, bodies, Duration.ofSeconds(20));
                daemon.flush();
                double max = (daemon.counter("events.acknowledged") - before) * 1e9 / (System.nanoTime() - start);
                rate = (long) (max / 2);
                log(String.format(Locale.ROOT, "maximum %,.0f events/s; soaking at %,d events/s for %d min", max, rate, minutes));
            }
            // One unsampled minute at the soak rate: the latency histograms cover the last 60 s, and the
            // maximum-rate probe just before would otherwise colour the first samples.
            log("settling for 60 s at the soak rate before sampling");
            soak(daemon, bodies, rate, Duration.ofSeconds(60), false);
            double liveBefore = daemon.liveHeapMb();
            List<Sample> samples = soak(daemon, bodies, rate, Duration.ofMinutes(minutes), true);
            daemon.flush();
            double liveAfter = daemon.liveHeapMb();
            log(String.format(Locale.ROOT, "live heap after a full GC: %.0f MB before the run, %.0f MB after", liveBefore, liveAfter));
            int exit = daemon.stop();
            write(out, samples, rate, minutes, exit, liveBefore, liveAfter);
            log("wrote " + out.resolve("soak.md"));
            System.out.println(Files.readString(out.resolve("soak.md")));
        }
    }

    private static List<Sample> soak(RunningDaemon daemon, List<byte[]> bodies, long rate, Duration duration,
                                     boolean sample) throws Exception {
        HttpClient http = daemon.http();
        String base = daemon.baseUrl;
        List<Sample> samples = new ArrayList<>();
        Recorder requestLatency = new Recorder(TimeUnit.MINUTES.toNanos(1), 2);
        AtomicLong refused = new AtomicLong();
        long requestsPerSecond = Math.max(1, rate / EVENTS_PER_REQUEST);
        long interval = TimeUnit.SECONDS.toNanos(1) / requestsPerSecond;
        Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long nextSample = start + TimeUnit.SECONDS.toNanos(10);
        long lastAcked = daemon.counter("events.acknowledged");
        long lastSampleNanos = start;
        long due = start;
        int i = 0;
        while (System.nanoTime() < end) {
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            due += interval;
            if (outstanding.tryAcquire()) {
                long sent = System.nanoTime();
                http.sendAsync(request(base, bodies.get(i++ % bodies.size())), HttpResponse.BodyHandlers.discarding())
                        .whenComplete((response, error) -> {
                            outstanding.release();
                            requestLatency.recordValue(Math.min(System.nanoTime() - sent, TimeUnit.MINUTES.toNanos(1)));
                            if (error != null || response.statusCode() != 202) {
                                refused.addAndGet(EVENTS_PER_REQUEST);
                            }
                        });
            } else {
                refused.addAndGet(EVENTS_PER_REQUEST); // the daemon is behind: count, do not queue without bound
            }
            long now = System.nanoTime();
            if (sample && now >= nextSample) {
                JsonNode metrics = daemon.metrics();
                long acked = metrics.get("counters").get("events.acknowledged").get("count").asLong();
                Sample s = new Sample(TimeUnit.NANOSECONDS.toSeconds(now - start),
                        (acked - lastAcked) * 1e9 / (now - lastSampleNanos),
                        metrics.get("counters").get("events.failed").get("count").asLong(), refused.get(),
                        heapAfterGcMb(metrics),
                        metrics.get("histograms").get("events.publish-to-ack-ns").get("p99").asDouble() / 1e6,
                        requestLatency.getIntervalHistogram().getValueAtPercentile(99) / 1e6);
                samples.add(s);
                log(String.format(Locale.ROOT, "t=%4ds acked=%,9.0f/s failed=%d refused=%d heap-after-gc=%.0f MB "
                                + "publish->ack p99=%.1f ms request p99=%.1f ms", s.second(), s.ackedPerSecond(), s.failed(),
                        s.refused(), s.heapAfterGcMb(), s.publishToAckP99Ms(), s.requestP99Ms()));
                lastAcked = acked;
                lastSampleNanos = now;
                nextSample += TimeUnit.SECONDS.toNanos(10);
            }
        }
        outstanding.acquire(MAX_OUTSTANDING);
        return samples;
    }

    /** The daemon's heap in use right after its latest garbage collection. */
    private static double heapAfterGcMb(JsonNode metrics) {
        return metrics.get("gauges").get("jvm.heap.used-after-gc").get("value").asDouble() / (1024 * 1024);
    }

    private static void write(Path out, List<Sample> samples, long rate, int minutes, int exit, double liveBefore,
                              double liveAfter) throws IOException {
        StringBuilder csv = new StringBuilder("second,acked_per_s,failed,refused,heap_after_gc_mb,publish_to_ack_p99_ms,request_p99_ms\n");
        for (Sample s : samples) {
            csv.append(String.format(Locale.ROOT, "%d,%.0f,%d,%d,%.1f,%.2f,%.2f%n", s.second(), s.ackedPerSecond(), s.failed(),
                    s.refused(), s.heapAfterGcMb(), s.publishToAckP99Ms(), s.requestP99Ms()));
        }
        Files.writeString(out.resolve("soak.csv"), csv);
        StringBuilder md = new StringBuilder("# Soak run\n\n");
        md.append("- date: ").append(OffsetDateTime.now(ZoneOffset.UTC)).append(", ").append(minutes).append(" min at ")
                .append(String.format(Locale.ROOT, "%,d", rate)).append(" events/s (NDJSON, ").append(EVENTS_PER_REQUEST)
                .append(" events per request), machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores\n");
        md.append("- daemon exit code after SIGTERM: ").append(exit).append("\n");
        md.append(String.format(Locale.ROOT, "- live heap after a forced full GC (`jcmd GC.run`): %.0f MB before the run, "
                + "%.0f MB after it%n%n", liveBefore, liveAfter));
        if (!samples.isEmpty()) {
            Sample first = samples.get(0);
            Sample last = samples.get(samples.size() - 1);
            double maxP99 = samples.stream().mapToDouble(Sample::publishToAckP99Ms).max().orElse(0);
            double maxHeap = samples.stream().mapToDouble(Sample::heapAfterGcMb).max().orElse(0);
            md.append(String.format(Locale.ROOT, "Heap after the latest (young) GC: %.0f MB at the first sample, %.0f MB at the last, %.0f MB at most. "
                    + "publish→ack p99: at most %.1f ms. Failed events: %d. Refused (HTTP non-202 or client backlog): %d.%n%n",
                    first.heapAfterGcMb(), last.heapAfterGcMb(), maxHeap, maxP99, last.failed(), last.refused()));
        }
        md.append("| t (s) | acked/s | failed | refused | heap after GC (MB) | publish→ack p99 (ms) | request p99 (ms) |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (Sample s : samples) {
            md.append(String.format(Locale.ROOT, "| %d | %,.0f | %d | %d | %.0f | %.1f | %.1f |%n", s.second(), s.ackedPerSecond(),
                    s.failed(), s.refused(), s.heapAfterGcMb(), s.publishToAckP99Ms(), s.requestP99Ms()));
        }
        md.append("\nChart: `soak.png`; raw: `soak.csv`. Command: `benchmarks/soak --minutes ").append(minutes).append("`.\n");
        Files.writeString(out.resolve("soak.md"), md);
        if (!samples.isEmpty()) {
            XYChart chart = new XYChartBuilder().width(900).height(420).title("Soak at " + rate + " events/s")
                    .xAxisTitle("seconds").yAxisTitle("MB / ms").build();
            List<Double> t = samples.stream().map(s -> (double) s.second()).toList();
            chart.addSeries("heap after GC (MB)", t, samples.stream().map(Sample::heapAfterGcMb).toList());
            chart.addSeries("publish→ack p99 (ms)", t, samples.stream().map(Sample::publishToAckP99Ms).toList());
            chart.addSeries("HTTP request p99 (ms)", t, samples.stream().map(Sample::requestP99Ms).toList());
            BitmapEncoder.saveBitmap(chart, out.resolve("soak.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }

    /** Flat out, 64 requests in flight, for a duration; used to measure the maximum. */
    private static void drive(RunningDaemon daemon, List<byte[]> bodies, Duration duration) throws Exception {
        HttpClient http = daemon.http();
        String base = daemon.baseUrl;
        Semaphore outstanding = new Semaphore(64);
        long end = System.nanoTime() + duration.toNanos();
        int i = 0;
        while (System.nanoTime() < end) {
            if (!outstanding.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
            }
            http.sendAsync(request(base, bodies.get(i++ % bodies.size())), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> outstanding.release());
        }
        outstanding.acquire(64);
    }

    private static HttpRequest request(String base, byte[] body) {
        return HttpRequest.newBuilder(URI.create(base + "/v1/events")).header("Content-Type", "application/x-ndjson")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static List<byte[]> bodies() {
        byte[][] pool = SyntheticEvents.pool(64 * EVENTS_PER_REQUEST, 100);
        List<byte[]> bodies = new ArrayList<>();
        for (int b = 0; b < 64; b++) {
            StringBuilder body = new StringBuilder();
            for (int e = 0; e < EVENTS_PER_REQUEST; e++) {
                body.append("{\"topic\":\"soak\",\"key\":\"k").append(e % 16).append("\",\"value\":")
                        .append(new String(pool[b * EVENTS_PER_REQUEST + e], StandardCharsets.UTF_8)).append("}\n");
            }
            bodies.add(body.toString().getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }

    private static void log(String message) {
        System.out.println("[soak] " + message);
        System.out.flush();
    }
}
