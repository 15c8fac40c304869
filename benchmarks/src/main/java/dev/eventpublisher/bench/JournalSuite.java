package dev.eventpublisher.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The journal's benchmarks, in one run so the ratios compare like with like on this shared machine:
 * <ol>
 *   <li>this disk's fsync latency ({@link FsyncProbe});</li>
 *   <li>end-to-end throughput (JMH {@link JournalBenchmark}) with the journal off and per fsync policy;</li>
 *   <li>HTTP NDJSON ingestion (the daemon, wrk) with the journal off and per policy: events/s Kafka acknowledged;</li>
 *   <li>the 202 latency per policy at half the maximum rate that policy reached ({@link HttpLatency});</li>
 *   <li>the replay rate of a backlog after a restart ({@link ReplayRate}).</li>
 * </ol>
 * Writes {@code summary.json} and {@code summary.md} under the output directory.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.eventpublisher.bench.JournalSuite --quick|--full|--smoke
 *      [--out benchmarks/results/journal] [--daemon-lib publisher-daemon/target/publisherd/lib] [--config-dir config]
 * </pre>
 */
public final class JournalSuite {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> MODES = List.of("off", "none", "interval", "batch");

    private JournalSuite() {
    }

    public static void main(String[] args) throws Exception {
        SuiteOptions o = SuiteOptions.parse(args, Path.of("benchmarks/results/journal"), "benchmarks/journal");
        run(o.mode(), o.out(), o.daemonLib(), o.configDir(), o.command());
    }

    static void run(String mode, Path out, Path lib, Path config, String command) throws Exception {
        boolean smoke = mode.equals("smoke");
        boolean full = mode.equals("full");
        Files.createDirectories(out.resolve("raw"));
        long started = System.nanoTime();
        Map<String, Object> s = SuiteFormat.summary(mode, command);

        log("fsync probe: 16 KiB append + force");
        FsyncProbe.Result fsync = FsyncProbe.measure(Path.of(System.getProperty("java.io.tmpdir")), smoke ? 50 : 2_000);
        s.put("fsync_ms", fsync);

        Map<String, Map<String, Object>> e2e = new LinkedHashMap<>();
        for (int threads : full ? new int[] {1, 4} : new int[] {4}) {
            log("jmh JournalBenchmark with " + threads + " thread(s)");
            e2e.put(threads + "t", JmhThroughput.byParam("JournalBenchmark\\.pipeline$", "journal", threads, mode,
                    out.resolve("raw").resolve("journal-e2e-t" + threads + ".json")));
        }
        s.put("e2e_events_per_s", e2e);

        Map<String, Object> http = new LinkedHashMap<>();
        Map<String, Object> latency = new LinkedHashMap<>();
        Duration run = Duration.ofSeconds(smoke ? 2 : full ? 20 : 8);
        Duration warmup = Duration.ofSeconds(smoke ? 1 : full ? 10 : 4);
        for (String journal : MODES) {
            Map<String, String> env = journal.equals("off") ? Map.of("PUBLISHER_JOURNAL_ENABLED", "false")
                    : Map.of("PUBLISHER_JOURNAL_FSYNC", journal);
            try (RunningDaemon daemon = RunningDaemon.start(lib, config, env)) {
                log("http NDJSON (batches of 100), journal " + journal);
                HttpIngest.Result max = HttpIngest.run(daemon, 100, warmup, run, 32);
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("events_per_s_acknowledged", Math.round(max.eventsPerSecond()));
                h.put("requests_per_s", Math.round(max.requestsPerSecond()));
                h.put("non2xx", max.non2xx());
                h.put("driver", max.driver());
                http.put(journal, h);
                double halfRate = Math.max(1, max.eventsPerSecond() / 100 / 2);
                log("http 202 latency at " + Math.round(halfRate) + " requests/s (half the max), journal " + journal);
                List<Path> bodies = HttpIngest.writeBodies(daemon.workDir(), 100);
                HttpLatency.measure(daemon.baseUrl, bodies, halfRate, warmup, 16);
                latency.put(journal, HttpLatency.measure(daemon.baseUrl, bodies, halfRate, run, 16));
            }
        }
        s.put("http_ndjson", http);
        s.put("http_202_latency_ms_at_half_max", latency);

        int backlog = smoke ? 10_000 : full ? 1_000_000 : 300_000;
        log("replay: " + backlog + " events");
        Path dir = Files.createTempDirectory("bench-replay-");
        try {
            s.put("replay", ReplayRate.measure(dir, backlog));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        s.put("ratios", ratios(e2e, http));
        s.put("took_s", Duration.ofNanos(System.nanoTime() - started).toSeconds());
        JSON.writeValue(out.resolve("summary.json").toFile(), s);
        Files.writeString(out.resolve("summary.md"), markdown(s, e2e, http, latency, fsync));
        log("wrote " + out.resolve("summary.md"));
        System.out.println(Files.readString(out.resolve("summary.md")));
    }

    private static Map<String, Object> ratios(Map<String, Map<String, Object>> e2e, Map<String, Object> http) {
        Map<String, Object> ratios = new LinkedHashMap<>();
        e2e.forEach((threads, byMode) -> {
            double off = ((Number) byMode.get("off")).doubleValue();
            for (String m : MODES.subList(1, MODES.size())) {
                ratios.put("e2e_" + threads + "_" + m + "_vs_off", SuiteFormat.ratio(((Number) byMode.get(m)).doubleValue() / off));
            }
        });
        double off = eventsPerSecond(http, "off");
        for (String m : MODES.subList(1, MODES.size())) {
            ratios.put("http_" + m + "_vs_off", SuiteFormat.ratio(eventsPerSecond(http, m) / off));
        }
        return ratios;
    }

    @SuppressWarnings("unchecked")
    private static double eventsPerSecond(Map<String, Object> http, String mode) {
        return ((Number) ((Map<String, Object>) http.get(mode)).get("events_per_s_acknowledged")).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> s, Map<String, Map<String, Object>> e2e, Map<String, Object> http,
                                   Map<String, Object> latency, FsyncProbe.Result fsync) {
        StringBuilder md = new StringBuilder();
        md.append("# Journal benchmarks\n\n");
        md.append("`").append(s.get("command")).append("` on ").append(s.get("date")).append(" (mode ").append(s.get("mode"))
                .append("), ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append(". Every number below was measured in this one run; read the ratios.\n\n");
        md.append(String.format(Locale.ROOT, "This disk's fsync (16 KiB append + `force`, %d samples): p50 %.2f ms, p99 %.2f ms, "
                + "p99.9 %.2f ms, max %.2f ms.%n%n", fsync.samples(), fsync.p50(), fsync.p99(), fsync.p999(), fsync.max()));
        md.append("| | journal off | none | interval | batch | goal |\n|---|---|---|---|---|---|\n");
        e2e.forEach((threads, byMode) -> {
            double off = ((Number) byMode.get("off")).doubleValue();
            md.append("| end to end, ").append(threads).append(" (events/s) | ").append(SuiteFormat.rate(off));
            for (String m : MODES.subList(1, MODES.size())) {
                double v = ((Number) byMode.get(m)).doubleValue();
                md.append(" | ").append(SuiteFormat.rate(v)).append(String.format(Locale.ROOT, " (%.2f×)", v / off));
            }
            md.append(" | none, interval ≥ 0.9×; batch ≥ 0.6× |\n");
        });
        double off = eventsPerSecond(http, "off");
        md.append("| HTTP NDJSON ×100, acknowledged (events/s) | ").append(SuiteFormat.rate(off));
        for (String m : MODES.subList(1, MODES.size())) {
            double v = eventsPerSecond(http, m);
            md.append(" | ").append(SuiteFormat.rate(v)).append(String.format(Locale.ROOT, " (%.2f×)", v / off));
        }
        md.append(" | none, interval ≥ 0.9×; batch ≥ 0.6× |\n");
        md.append("| 202 latency at half that max rate, p50 / p99 (ms)");
        for (String m : MODES) {
            HttpLatency.Result r = (HttpLatency.Result) latency.get(m);
            md.append(String.format(Locale.ROOT, " | %.1f / %.1f", r.p50(), r.p99()));
        }
        md.append(String.format(Locale.ROOT, " | reported, next to fsync p99 %.2f ms |%n", fsync.p99()));
        md.append("| requests at that rate (refused)");
        for (String m : MODES) {
            HttpLatency.Result r = (HttpLatency.Result) latency.get(m);
            md.append(String.format(Locale.ROOT, " | %.0f/s: %d (%d)", r.requestsPerSecond(), r.requests(), r.refused()));
        }
        md.append(" | |\n\n");
        ReplayRate.Result replay = (ReplayRate.Result) s.get("replay");
        md.append(String.format(Locale.ROOT, "Replay after a restart: %d events (%d MB of journal) handed to the pipeline in %.1f s, "
                        + "all acknowledged by Kafka after %.1f s: **%s events/s**.%n%n", replay.events(), replay.journalBytes() >> 20,
                replay.handedOverSeconds(), replay.acknowledgedSeconds(), SuiteFormat.rate(replay.eventsPerSecond())));
        md.append("HTTP driver: ").append(((Map<String, Object>) http.get("off")).get("driver"))
                .append("; latency driver: 16 connections, fixed rate (open loop), batches of 100 events.\n");
        return md.toString();
    }

    private static void log(String message) {
        System.out.println("[journal-suite] " + message);
        System.out.flush();
    }
}
