package dev.eventpublisher.daemon.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code publisherd load --http URL}: NDJSON batches over keep-alive connections (one per thread) to a
 * daemon or a load balancer in front of several. Each request carries an {@code Idempotency-Key}; a 503 is
 * retried after its {@code Retry-After}, and a broken connection or timeout after a short pause, both with
 * the same key and body, so a retry never adds events twice to a daemon that already took them. Other
 * answers are final: 202 counts as accepted, 4xx as failed. The live line and summary match the library
 * mode's.
 */
final class HttpLoadRun {
    /** What to send and how. */
    record Plan(URI url, String topic, String token, long rate, Duration duration, long events, int connections,
                int batch, int size) {
    }

    private final Plan plan;
    private final byte[][] values;
    private final LongAdder accepted = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder retried503 = new LongAdder();
    private final LongAdder connectionErrors = new LongAdder();
    private final LongAdder replayed = new LongAdder();
    private final Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
    private final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(120), 3);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final String runId = UUID.randomUUID().toString().substring(0, 8);

    HttpLoadRun(Plan plan) {
        this.plan = plan;
        this.values = SyntheticEvents.pool(8192, plan.size());
    }

    /** Runs to the end; 0 when nothing failed. */
    int run(PrintWriter out) throws InterruptedException {
        out.println("load: " + plan.connections() + " connection(s) → POST " + plan.url() + " (NDJSON, " + plan.batch()
                + " events a request, topic " + plan.topic() + "), " + (plan.rate() == 0 ? "flat out" : plan.rate() + " events/s")
                + ", " + plan.duration().toSeconds() + " s" + (plan.events() > 0 ? " or " + plan.events() + " events" : ""));
        out.flush();
        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int c = 0; c < plan.connections(); c++) {
            int index = c;
            Thread worker = new Thread(() -> connection(index, start), "http-load-" + c);
            worker.start();
            workers.add(worker);
        }
        Histogram interval = null;
        Histogram total = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        long deadline = start + plan.duration().toNanos();
        long lastAccepted = 0;
        long lastNanos = start;
        while (workers.stream().anyMatch(Thread::isAlive)) {
            workers.get(0).join(1000);
            long now = System.nanoTime();
            if (now >= deadline) {
                stop.set(true);
            }
            interval = latency.getIntervalHistogram(interval);
            total.add(interval);
            long a = accepted.sum();
            double perSecond = (a - lastAccepted) * 1e9 / Math.max(1, now - lastNanos);
            lastAccepted = a;
            lastNanos = now;
            out.printf(Locale.ROOT, "\rt=%3ds rate=%,10.0f/s accepted=%,12d failed=%,d retried-503=%,d conn-errors=%,d p99=%s   ",
                    TimeUnit.NANOSECONDS.toSeconds(now - start), perSecond, a, failed.sum(), retried503.sum(),
                    connectionErrors.sum(), millis(interval.getValueAtPercentile(99)));
            out.flush();
        }
        long elapsed = System.nanoTime() - start;
        total.add(latency.getIntervalHistogram());
        Map<String, Long> byStatus = new java.util.TreeMap<>();
        statuses.forEach((k, v) -> byStatus.put(k, v.sum()));
        out.println();
        out.printf(Locale.ROOT, "summary: %,d events accepted (202) in %.1f s = %,.0f events/s; failed %,d; 503s retried %,d; "
                        + "connection errors retried %,d; retries answered from the idempotency window %,d; statuses %s; "
                        + "request latency p50=%s p99=%s p99.9=%s max=%s%n",
                accepted.sum(), elapsed / 1e9, accepted.sum() * 1e9 / elapsed, failed.sum(), retried503.sum(),
                connectionErrors.sum(), replayed.sum(), byStatus, millis(total.getValueAtPercentile(50)),
                millis(total.getValueAtPercentile(99)), millis(total.getValueAtPercentile(99.9)), millis(total.getMaxValue()));
        out.flush();
        return failed.sum() == 0 ? 0 : 1;
    }

    private void connection(int index, long start) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        long requests = plan.events() == 0 ? Long.MAX_VALUE
                : (plan.events() / plan.batch() + plan.connections() - 1 - index) / plan.connections();
        double perConnectionRequests = plan.rate() == 0 ? 0 : (double) plan.rate() / plan.batch() / plan.connections();
        long intervalNanos = perConnectionRequests == 0 ? 0 : (long) (1e9 / perConnectionRequests);
        for (long i = 0; i < requests && !stop.get(); i++) {
            if (intervalNanos > 0) {
                long wait = start + i * intervalNanos - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            String key = "load-" + runId + "-" + index + "-" + i;
            byte[] body = body(index, i);
            sendUntilAnswered(http, key, body);
        }
    }

    private byte[] body(int connection, long request) {
        StringBuilder b = new StringBuilder(plan.batch() * (plan.size() + 64));
        for (int e = 0; e < plan.batch(); e++) {
            byte[] value = values[(int) ((request * plan.batch() + e + connection * 7919L) % values.length)];
            b.append("{\"topic\":\"").append(plan.topic()).append("\",\"key\":\"load-").append(connection)
                    .append("\",\"value\":").append(new String(value, StandardCharsets.UTF_8)).append("}\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sends one request until it has a final answer (or the run stops): same key, same body each time. */
    private void sendUntilAnswered(HttpClient http, String key, byte[] body) {
        while (true) {
            HttpRequest.Builder request = HttpRequest.newBuilder(plan.url()).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/x-ndjson").header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (!plan.token().isEmpty()) {
                request.header("Authorization", "Bearer " + plan.token());
            }
            long sent = System.nanoTime();
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                connectionErrors.increment();
                if (stop.get()) {
                    return; // a request cut off at the end is neither counted accepted nor failed
                }
                pause(200_000_000L);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            int status = response.statusCode();
            statuses.computeIfAbsent(status < 400 ? Integer.toString(status) : status + " " + errorCode(response.body()),
                    s -> new LongAdder()).increment();
            if (status == 503 || status == 409) {
                retried503.increment();
                long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
                if (stop.get()) {
                    return;
                }
                pause(TimeUnit.SECONDS.toNanos(Math.max(1, Math.min(seconds, 30))));
                continue;
            }
            latency.recordValue(Math.min(System.nanoTime() - sent, TimeUnit.SECONDS.toNanos(120)));
            if (status == 202 || status == 200) {
                accepted.add(plan.batch());
                if (response.headers().firstValue("Idempotent-Replayed").isPresent()) {
                    replayed.increment();
                }
            } else {
                failed.add(plan.batch());
            }
            return;
        }
    }

    /** The {@code error} code of a JSON error body, for the summary ("503 ring_full"). */
    private static String errorCode(String body) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"error\"\\s*:\\s*\"([^\"]+)\"").matcher(body);
        return m.find() ? m.group(1) : "?";
    }

    private static void pause(long nanos) {
        LockSupport.parkNanos(nanos);
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.2fms", nanos / 1e6);
    }
}
