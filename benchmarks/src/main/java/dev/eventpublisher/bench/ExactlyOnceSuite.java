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
 * Exactly-once next to at-least-once, same journal fsync policy ({@code batch}), in one run:
 * <ol>
 *   <li>end-to-end throughput (JMH {@link ExactlyOnceBenchmark}), library against a broker in the fork;</li>
 *   <li>HTTP NDJSON ingestion through the daemon (its embedded broker): events/s acknowledged — for exactly-once
 *       that is committed;</li>
 *   <li>publish → commit latency at fixed offered loads ({@link AckLatency}), for two commit intervals, next to
 *       publish → acknowledgement at-least-once.</li>
 * </ol>
 * Writes {@code summary.json} and {@code summary.md}.
 */
public final class ExactlyOnceSuite {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> MODES = List.of("at-least-once", "exactly-once");
    private static final List<AckLatency.Target> LATENCY = List.of(AckLatency.Target.JOURNAL_BATCH,
            AckLatency.Target.EXACTLY_ONCE_20MS, AckLatency.Target.EXACTLY_ONCE_100MS);

    private ExactlyOnceSuite() {
    }

    public static void main(String[] args) throws Exception {
        SuiteOptions o = SuiteOptions.parse(args, Path.of("benchmarks/results/exactly-once"), "benchmarks/exactly-once");
        run(o.mode(), o.out(), o.daemonLib(), o.configDir(), o.command());
    }

    static void run(String mode, Path out, Path lib, Path config, String command) throws Exception {
        boolean smoke = mode.equals("smoke");
        boolean full = mode.equals("full");
        Files.createDirectories(out.resolve("raw"));
        long started = System.nanoTime();
        Map<String, Object> s = SuiteFormat.summary(mode, command);

        // Both modes in alternating rounds (Paired): one back-to-back pair swung by ±0.15 on this machine.
        int rounds = smoke ? 1 : full ? 5 : 3;
        Map<String, Map<String, Object>> e2e = new LinkedHashMap<>();
        for (int threads : full ? new int[] {1, 4} : new int[] {4}) {
            log("jmh ExactlyOnceBenchmark with " + threads + " thread(s), " + rounds + " alternating rounds");
            int[] forks = {0, 0};
            int t = threads;
            Paired paired = Paired.measure(rounds,
                    () -> JmhThroughput.once("ExactlyOnceBenchmark\\.pipeline$", Map.of("delivery", MODES.get(0)), t, mode,
                            out.resolve("raw").resolve("eos-e2e-t" + t + "-" + MODES.get(0) + "-" + forks[0]++ + ".json")),
                    () -> JmhThroughput.once("ExactlyOnceBenchmark\\.pipeline$", Map.of("delivery", MODES.get(1)), t, mode,
                            out.resolve("raw").resolve("eos-e2e-t" + t + "-" + MODES.get(1) + "-" + forks[1]++ + ".json")));
            e2e.put(threads + "t", byMode(paired));
        }
        s.put("e2e_events_per_s", e2e);

        Duration run = Duration.ofSeconds(smoke ? 2 : full ? 10 : 6);
        // Long enough for both daemons to be warm: a cold daemon under a 503 storm measures its JIT, not the mode.
        Duration warmup = Duration.ofSeconds(smoke ? 1 : full ? 20 : 8);
        Map<String, Object> http;
        try (RunningDaemon alo = RunningDaemon.start(lib, config, Map.of("PUBLISHER_DELIVERY", MODES.get(0)));
             RunningDaemon eos = RunningDaemon.start(lib, config, Map.of("PUBLISHER_DELIVERY", MODES.get(1)))) {
            log("http NDJSON (batches of 100): both daemons up, warming up, then " + rounds + " alternating rounds");
            HttpIngest.run(alo, 100, warmup, warmup, 32);
            HttpIngest.run(eos, 100, warmup, warmup, 32);
            Duration settle = Duration.ofSeconds(1);
            String[] driver = {""};
            long[] non2xx = {0, 0};
            Paired paired = Paired.measure(rounds, () -> {
                HttpIngest.Result r = HttpIngest.run(alo, 100, settle, run, 32);
                driver[0] = r.driver();
                non2xx[0] += r.non2xx();
                return r.eventsPerSecond();
            }, () -> {
                HttpIngest.Result r = HttpIngest.run(eos, 100, settle, run, 32);
                non2xx[1] += r.non2xx();
                return r.eventsPerSecond();
            });
            http = byMode(paired);
            http.put("non2xx", Map.of(MODES.get(0), non2xx[0], MODES.get(1), non2xx[1]));
            http.put("driver", driver[0]);
        }
        s.put("http_ndjson", http);

        long[] rates = smoke ? new long[] {1_000} : full ? new long[] {1_000, 10_000, 50_000, 200_000} : new long[] {1_000, 20_000};
        Duration pointRun = Duration.ofSeconds(smoke ? 1 : full ? 10 : 4);
        Duration pointWarmup = Duration.ofSeconds(smoke ? 1 : 2);
        Map<String, List<AckLatency.Point>> curves = new LinkedHashMap<>();
        try (KafkaFixture kafka = new KafkaFixture()) {
            for (AckLatency.Target target : LATENCY) {
                log("publish -> acknowledgement: " + target.label);
                List<AckLatency.Point> points = new ArrayList<>();
                for (long rate : rates) {
                    AckLatency.Point p = AckLatency.point(kafka, target, rate, pointWarmup, pointRun);
                    System.out.println("[exactly-once-suite] " + p.line());
                    points.add(p);
                }
                curves.put(target.name(), points);
            }
        }
        s.put("publish_to_ack_ms", curves);
        s.put("ratios", ratios(e2e, http));
        s.put("took_s", Duration.ofNanos(System.nanoTime() - started).toSeconds());
        JSON.writeValue(out.resolve("summary.json").toFile(), s);
        Files.writeString(out.resolve("summary.md"), markdown(s, e2e, http, curves));
        log("wrote " + out.resolve("summary.md"));
        System.out.println(Files.readString(out.resolve("summary.md")));
    }

    /** The medians per mode (what the tables show) and the rounds behind them. */
    private static Map<String, Object> byMode(Paired paired) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(MODES.get(0), Math.round(paired.medianA()));
        m.put(MODES.get(1), Math.round(paired.medianB()));
        m.put("paired", paired);
        return m;
    }

    private static Map<String, Object> ratios(Map<String, Map<String, Object>> e2e, Map<String, Object> http) {
        Map<String, Object> ratios = new LinkedHashMap<>();
        e2e.forEach((threads, byMode) -> ratios.put("e2e_" + threads + "_exactly_once_vs_at_least_once",
                SuiteFormat.ratio(((Paired) byMode.get("paired")).medianRatio())));
        ratios.put("http_exactly_once_vs_at_least_once", SuiteFormat.ratio(((Paired) http.get("paired")).medianRatio()));
        return ratios;
    }

    private static String cell(Paired p) {
        return String.format(Locale.ROOT, "%.2f× (%.2f–%.2f, %d rounds)", p.medianRatio(), p.minRatio(), p.maxRatio(), p.ratios().size());
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> s, Map<String, Map<String, Object>> e2e, Map<String, Object> http,
                                   Map<String, List<AckLatency.Point>> curves) {
        StringBuilder md = new StringBuilder("# Exactly-once benchmarks\n\n");
        md.append("`").append(s.get("command")).append("` on ").append(s.get("date")).append(" (mode ").append(s.get("mode"))
                .append("), ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append(". Journal `fsync=batch` in every column; every number measured in this one run.\n\n");
        md.append("Each mode measured in alternating rounds (JMH: alternating forks; HTTP: both daemons up); each round gives a ")
                .append("ratio exactly-once / at-least-once; the table shows the medians and the ratios' median (range).\n\n");
        md.append("| | at-least-once (median) | exactly-once, 100 ms transactions (median) | ratio: median (range) | goal |\n|---|---|---|---|---|\n");
        e2e.forEach((threads, byMode) -> {
            Paired p = (Paired) byMode.get("paired");
            md.append(String.format(Locale.ROOT, "| end to end, %s (events/s) | %s | %s | %s | ≥ 0.8× |%n", threads,
                    SuiteFormat.rate(p.medianA()), SuiteFormat.rate(p.medianB()), cell(p)));
        });
        Paired h = (Paired) http.get("paired");
        md.append(String.format(Locale.ROOT, "| HTTP NDJSON ×100, acknowledged (events/s) | %s | %s | %s | ≥ 0.8× |%n%n",
                SuiteFormat.rate(h.medianA()), SuiteFormat.rate(h.medianB()), cell(h)));
        md.append("Publish → acknowledgement (exactly-once: → commit), open loop at a fixed offered rate, ms:\n\n");
        md.append("| offered events/s | ");
        curves.keySet().forEach(k -> md.append(AckLatency.Target.valueOf(k).label).append(" p50 / p99 | "));
        md.append("\n|---|");
        curves.keySet().forEach(k -> md.append("---|"));
        md.append('\n');
        List<AckLatency.Point> first = curves.values().iterator().next();
        for (int i = 0; i < first.size(); i++) {
            md.append("| ").append(first.get(i).offered()).append(" | ");
            for (List<AckLatency.Point> points : curves.values()) {
                AckLatency.Point p = points.get(i);
                md.append(String.format(Locale.ROOT, "%.2f / %.2f%s | ", p.p50(), p.p99(), p.saturated() ? " (saturated)" : ""));
            }
            md.append('\n');
        }
        md.append("\nHTTP driver: ").append(http.get("driver")).append("; non-2xx answers: ").append(http.get("non2xx")).append(".\n");
        return md.toString();
    }

    private static void log(String message) {
        System.out.println("[exactly-once-suite] " + message);
        System.out.flush();
    }
}
