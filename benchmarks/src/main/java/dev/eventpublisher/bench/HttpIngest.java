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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.eventpublisher.daemon.cli.SyntheticEvents;

/**
 * Benchmark 5: the daemon's HTTP ingestion, started as a real process (embedded broker, default
 * development settings) and driven by {@code wrk}. Reported: HTTP requests/s as wrk measured them,
 * and events/s that Kafka acknowledged (the daemon's own {@code events.acknowledged} counter over the
 * run, read after a flush). Without wrk on the machine a small Java HttpClient driver stands in (and
 * the result says so): good enough to prove the path works, not to measure it.
 */
final class HttpIngest {
    /** One run. */
    record Result(String mode, String driver, double seconds, double requestsPerSecond, double eventsPerSecond,
                  long non2xx, String detail) {
    }

    private static final int BODIES = 64;

    private HttpIngest() {
    }

    static boolean wrkAvailable() {
        try {
            Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(10, TimeUnit.SECONDS);
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * @param eventsPerRequest 1: {@code POST /v1/events/{topic}} with one JSON value; more: NDJSON batches
     */
    static Result run(Path daemonLib, Path configDir, int eventsPerRequest, Duration warmup, Duration duration,
                      int connections) throws Exception {
        return run(daemonLib, configDir, java.util.Map.of(), eventsPerRequest, warmup, duration, connections);
    }

    /** {@link #run} with extra daemon environment variables (e.g. the journal's fsync policy). */
    static Result run(Path daemonLib, Path configDir, java.util.Map<String, String> env, int eventsPerRequest, Duration warmup,
                      Duration duration, int connections) throws Exception {
        try (RunningDaemon daemon = RunningDaemon.start(daemonLib, configDir, env)) {
            return run(daemon, eventsPerRequest, warmup, duration, connections);
        }
    }

    /** {@link #run} against a daemon already running. */
    static Result run(RunningDaemon daemon, int eventsPerRequest, Duration warmup, Duration duration, int connections)
            throws Exception {
        return run(daemon, eventsPerRequest, false, warmup, duration, connections);
    }

    /**
     * Single-event {@code ?sync=true} POSTs: each connection waits for Kafka's acknowledgement (200) before its next
     * request, so requests/s is what a latency-bound caller gets.
     */
    static Result runSync(RunningDaemon daemon, Duration warmup, Duration duration, int connections) throws Exception {
        return run(daemon, 1, true, warmup, duration, connections);
    }

    private static Result run(RunningDaemon daemon, int eventsPerRequest, boolean sync, Duration warmup, Duration duration,
                              int connections) throws Exception {
        Path work = daemon.workDir();
        String path = (eventsPerRequest == 1 ? "/v1/events/bench-single" : "/v1/events") + (sync ? "?sync=true" : "");
        String contentType = eventsPerRequest == 1 ? "application/json" : "application/x-ndjson";
        List<Path> bodies = writeBodies(work, eventsPerRequest);
        boolean wrk = wrkAvailable();
        // The daemon's JIT needs a warm-up like any JVM benchmark; its numbers are not kept.
        drive(wrk, daemon, work, daemon.baseUrl + path, contentType, bodies, warmup, connections);
        daemon.flush();
        long ackedBefore = daemon.counter("events.acknowledged");
        long start = System.nanoTime();
        DriverOutcome outcome = drive(wrk, daemon, work, daemon.baseUrl + path, contentType, bodies, duration, connections);
        double seconds = (System.nanoTime() - start) / 1e9;
        daemon.flush();
        long acked = daemon.counter("events.acknowledged") - ackedBefore;
        return new Result(sync ? "single-sync" : eventsPerRequest == 1 ? "single" : "ndjson-" + eventsPerRequest,
                wrk ? "wrk -t2 -c" + connections : "java-httpclient (wrk not installed)", seconds,
                outcome.requestsPerSecond, acked / seconds, outcome.non2xx, outcome.detail);
    }

    private static DriverOutcome drive(boolean wrk, RunningDaemon daemon, Path work, String url, String contentType,
                                       List<Path> bodies, Duration duration, int connections) throws Exception {
        return wrk ? runWrk(work, url, contentType, bodies, duration, connections)
                : runJavaDriver(daemon.http(), url, contentType, bodies, duration, connections);
    }

    private record DriverOutcome(double requestsPerSecond, long non2xx, String detail) {
    }

    private static DriverOutcome runWrk(Path work, String url, String contentType, List<Path> bodies, Duration duration,
                                        int connections) throws Exception {
        Path script = work.resolve("bodies.lua");
        Files.writeString(script, """
                local bodies = {}
                local n = 0
                local i = 0
                function init(args)
                  for k = 1, tonumber(args[2]) do
                    local f = io.open(args[1] .. "/body-" .. (k - 1), "rb")
                    bodies[k] = f:read("*a")
                    f:close()
                  end
                  n = #bodies
                end
                wrk.method = "POST"
                wrk.headers["Content-Type"] = "%s"
                function request()
                  i = i %% n + 1
                  return wrk.format(nil, nil, nil, bodies[i])
                end
                """.formatted(contentType));
        Process p = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + duration.toSeconds() + "s", "--latency",
                "-s", script.toString(), url, "--", work.toString(), Integer.toString(bodies.size()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        Matcher errors = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)").matcher(out);
        if (!rps.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + out);
        }
        return new DriverOutcome(Double.parseDouble(rps.group(1)), errors.find() ? Long.parseLong(errors.group(1)) : 0,
                out.trim());
    }

    private static DriverOutcome runJavaDriver(HttpClient http, String url, String contentType, List<Path> bodies,
                                               Duration duration, int connections) throws Exception {
        List<byte[]> payloads = new ArrayList<>();
        for (Path body : bodies) {
            payloads.add(Files.readAllBytes(body));
        }
        AtomicLong ok = new AtomicLong();
        AtomicLong bad = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < Math.min(connections, 8); t++) {
            int offset = t;
            Thread thread = new Thread(() -> {
                for (int i = offset; System.nanoTime() < end; i++) {
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(payloads.get(i % payloads.size()))).build(),
                                HttpResponse.BodyHandlers.discarding());
                        (r.statusCode() / 100 == 2 ? ok : bad).incrementAndGet();
                    } catch (IOException e) {
                        bad.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return new DriverOutcome((ok.get() + bad.get()) / (double) duration.toSeconds(), bad.get(), "java driver");
    }

    static List<Path> writeBodies(Path work, int eventsPerRequest) throws IOException {
        byte[][] pool = SyntheticEvents.pool(BODIES * eventsPerRequest, 100);
        List<Path> files = new ArrayList<>();
        for (int b = 0; b < BODIES; b++) {
            StringBuilder body = new StringBuilder();
            if (eventsPerRequest == 1) {
                body.append(new String(pool[b], StandardCharsets.UTF_8));
            } else {
                for (int e = 0; e < eventsPerRequest; e++) {
                    body.append("{\"topic\":\"bench-ndjson\",\"key\":\"k").append(e % 16).append("\",\"value\":")
                            .append(new String(pool[b * eventsPerRequest + e], StandardCharsets.UTF_8)).append("}\n");
                }
            }
            Path file = work.resolve("body-" + b);
            Files.writeString(file, body);
            files.add(file);
        }
        return files;
    }

}
