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

        Map<String, Map<String, Object>> e2e = new LinkedHashMap<>();
        for (int threads : full ? new int[] {1, 4} : new int[] {4}) {
            log("jmh ExactlyOnceBenchmark with " + threads + " thread(s)");
            e2e.put(threads + "t", JmhThroughput.byParam("ExactlyOnceBenchmark\\.pipeline$", "delivery", threads, mode,
                    out.resolve("raw").resolve("eos-e2e-t" + threads + ".json")));
        }
        s.put("e2e_events_per_s", e2e);

        Map<String, Object> http = new LinkedHashMap<>();
        Duration run = Duration.ofSeconds(smoke ? 2 : full ? 20 : 8);
        // Long enough for both daemons to be warm: a cold daemon under a 503 storm measures its JIT, not the mode.
        Duration warmup = Duration.ofSeconds(smoke ? 1 : full ? 20 : 8);
        for (String delivery : MODES) {
            try (RunningDaemon daemon = RunningDaemon.start(lib, config, Map.of("PUBLISHER_DELIVERY", delivery))) {
                log("http NDJSON (batches of 100), " + delivery);
                HttpIngest.Result max = HttpIngest.run(daemon, 100, warmup, run, 32);
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("events_per_s_acknowledged", Math.round(max.eventsPerSecond()));
                h.put("requests_per_s", Math.round(max.requestsPerSecond()));
                h.put("non2xx", max.non2xx());
                h.put("driver", max.driver());
                http.put(delivery, h);
            }
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

    private static Map<String, Object> ratios(Map<String, Map<String, Object>> e2e, Map<String, Object> http) {
        Map<String, Object> ratios = new LinkedHashMap<>();
        e2e.forEach((threads, byMode) -> ratios.put("e2e_" + threads + "_exactly_once_vs_at_least_once",
                SuiteFormat.ratio(number(byMode.get("exactly-once")) / number(byMode.get("at-least-once")))));
        ratios.put("http_exactly_once_vs_at_least_once", SuiteFormat.ratio(eventsPerSecond(http, "exactly-once")
                / eventsPerSecond(http, "at-least-once")));
        return ratios;
    }

    @SuppressWarnings("unchecked")
    private static double eventsPerSecond(Map<String, Object> http, String mode) {
        return number(((Map<String, Object>) http.get(mode)).get("events_per_s_acknowledged"));
    }

    private static double number(Object o) {
        return ((Number) o).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> s, Map<String, Map<String, Object>> e2e, Map<String, Object> http,
                                   Map<String, List<AckLatency.Point>> curves) {
        StringBuilder md = new StringBuilder("# Exactly-once benchmarks\n\n");
        md.append("`").append(s.get("command")).append("` on ").append(s.get("date")).append(" (mode ").append(s.get("mode"))
                .append("), ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append(". Journal `fsync=batch` in every column; every number measured in this one run.\n\n");
        md.append("| | at-least-once | exactly-once (100 ms transactions) | ratio | goal |\n|---|---|---|---|---|\n");
        e2e.forEach((threads, byMode) -> {
            double alo = number(byMode.get("at-least-once"));
            double eos = number(byMode.get("exactly-once"));
            md.append(String.format(Locale.ROOT, "| end to end, %s (events/s) | %s | %s | %.2f× | ≥ 0.8× |%n", threads, SuiteFormat.rate(alo),
                    SuiteFormat.rate(eos), eos / alo));
        });
        double alo = eventsPerSecond(http, "at-least-once");
        double eos = eventsPerSecond(http, "exactly-once");
        md.append(String.format(Locale.ROOT, "| HTTP NDJSON ×100, acknowledged (events/s) | %s | %s | %.2f× | ≥ 0.8× |%n%n",
                SuiteFormat.rate(alo), SuiteFormat.rate(eos), eos / alo));
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
        md.append("\nHTTP driver: ").append(((Map<String, Object>) http.get("at-least-once")).get("driver")).append(".\n");
        return md.toString();
    }

    private static void log(String message) {
        System.out.println("[exactly-once-suite] " + message);
        System.out.flush();
    }
}
