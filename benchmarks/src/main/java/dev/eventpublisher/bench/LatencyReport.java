package dev.eventpublisher.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The markdown page of {@link LatencySuite}: each goal of issue 13 next to what this run measured. */
final class LatencyReport {
    private static final String BEFORE = "before";
    private static final String DEFAULTS = "defaults (journal fsync=batch)";

    private LatencyReport() {
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> s, Map<String, Object> daemons, Map<String, List<AckLatency.Point>> curves,
                           Map<String, Object> jmh, Map<String, Object> publish) {
        StringBuilder md = new StringBuilder("# Latency benchmarks\n\n");
        md.append("`").append(s.get("command")).append("` on ").append(s.get("date")).append(" (mode ").append(s.get("mode"))
                .append("), ").append(s.get("cores")).append(" cores, ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version"))
                .append(". Every number was measured in this run; \"before\" is the previous defaults (wait strategy ")
                .append("`backoff`, `linger.ms=5` at every load: no flush when idle) measured alongside; the defaults now are ")
                .append("`parking`, `linger.ms=5` while events keep coming and a flush as soon as the pipeline runs dry.\n\n");

        md.append("## Synchronous single-event HTTP, one keep-alive connection (idle daemon)\n\n");
        md.append("Each daemon warmed up until its JIT compilers went quiet (< 5 % of a core over 2 s, or the cap), then the daemon ")
                .append("and the raw producer measured in alternating rounds on the same broker.\n\n");
        md.append("| daemon | ?sync=true p50 / p99 (ms) | raw send().get() p50 / p99 (ms) | ratio p50 / p99 | warm-up, JIT CPU while measured | goal |\n|---|---|---|---|---|---|\n");
        daemons.forEach((name, value) -> {
            Map<String, Object> d = (Map<String, Object>) value;
            SyncLatency.Result http = (SyncLatency.Result) d.get("sync_one_connection");
            SyncLatency.Result raw = (SyncLatency.Result) d.get("raw_send_get");
            double r50 = http.p50() / raw.p50();
            double r99 = http.p99() / raw.p99();
            boolean goal = name.equals(DEFAULTS);
            md.append(String.format(Locale.ROOT, "| %s | %.3f / %.3f | %.3f / %.3f | %.1f× / %.1f× | %s s, %s %% | %s |%n", name, http.p50(), http.p99(),
                    raw.p50(), raw.p99(), r50, r99, d.get("sync_warmup_s"), d.get("sync_compiler_cpu_percent"),
                    goal ? "≤ 5× / ≤ 5×: " + yes(r50 <= 5) + " / " + yes(r99 <= 5) : ""));
        });

        md.append("\n## 32 connections of single-event `?sync=true` requests (wrk)\n\n");
        md.append("| daemon | requests/s | vs before | non-2xx | goal |\n|---|---|---|---|---|\n");
        double before32 = ((HttpIngest.Result) ((Map<String, Object>) daemons.get(BEFORE)).get("sync_32_connections")).requestsPerSecond();
        daemons.forEach((name, value) -> {
            HttpIngest.Result r = (HttpIngest.Result) ((Map<String, Object>) value).get("sync_32_connections");
            double ratio = r.requestsPerSecond() / before32;
            md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f× | %d | %s |%n", name, r.requestsPerSecond(), ratio, r.non2xx(),
                    name.equals(DEFAULTS) ? "≥ 3×: " + yes(ratio >= 3) : ""));
        });

        md.append("\n## Saturated throughput, before and after (same run, alternating rounds)\n\n");
        md.append("Before and after were measured in alternating rounds (the HTTP daemons both up; JMH in alternating forks); ")
                .append("each round gives a ratio after/before, the table shows their median and range.\n\n");
        md.append("| measurement | before (median) | after (median) | ratio: median (range) | goal |\n|---|---|---|---|---|\n");
        Paired nd = (Paired) s.get("ndjson_saturated");
        md.append(String.format(Locale.ROOT, "| HTTP NDJSON ×100, 32 connections, events/s acknowledged, %d rounds | %,.0f | %,.0f | %s | ≥ 0.95×: %s |%n",
                nd.ratios().size(), nd.medianA(), nd.medianB(), ratio(nd), yes(nd.medianRatio() >= 0.95)));
        jmh.forEach((threads, value) -> {
            Map<String, Object> m = (Map<String, Object>) value;
            Paired p = (Paired) m.get("paired");
            double raw = ((Number) m.get("raw producer")).doubleValue();
            md.append(String.format(Locale.ROOT, "| JMH end to end, %s, events/s, %d rounds (raw producer: %,.0f) | %,.0f | %,.0f | %s | ≥ 0.95×: %s |%n",
                    threads, p.ratios().size(), raw, p.medianA(), p.medianB(), ratio(p), yes(p.medianRatio() >= 0.95)));
        });
        publish.forEach((strategy, value) -> {
            PublishLatency.Result r = (PublishLatency.Result) value;
            md.append(String.format(Locale.ROOT, "| `publish()` call at 20,000/s, %s: p50 / p99 / p99.9 | %d / %d / %d ns | | | (reported) |%n",
                    strategy, r.p50(), r.p99(), r.p999()));
        });

        md.append("\n## CPU of an idle daemon, per thread (% of one core)\n\n");
        for (String name : List.of(BEFORE, DEFAULTS)) {
            IdleCpu.Result idle = (IdleCpu.Result) ((Map<String, Object>) daemons.get(name)).get("idle_cpu");
            if (idle == null) {
                continue;
            }
            StringBuilder pipeline = new StringBuilder();
            double worst = 0;
            for (Map.Entry<String, Double> e : idle.byThread().entrySet()) {
                if (e.getKey().startsWith("publisher-") || e.getKey().startsWith("journal-")) {
                    pipeline.append(pipeline.length() == 0 ? "" : ", ").append(e.getKey())
                            .append(String.format(Locale.ROOT, " %.3f %%", e.getValue()));
                    worst = Math.max(worst, e.getValue());
                }
            }
            md.append(String.format(Locale.ROOT, "- %s, %.0f s idle: whole process %.2f %% (embedded broker included); pipeline threads: %s"
                    + " — goal ≤ 1 %% each: %s%n", name, idle.seconds(), idle.total(), pipeline, yes(worst <= 1)));
        }

        md.append("\n## publish → acknowledgement against offered load (open loop)\n\n");
        md.append("Chart: `latency.png`. p50 / p99 in ms; the last point of each curve is where it saturated "
                + "(achieved < 90 % of offered, or p99 > 1 s).\n\n");
        md.append("| offered/s |");
        curves.keySet().forEach(label -> md.append(' ').append(label).append(" |"));
        md.append("\n|---|");
        curves.keySet().forEach(label -> md.append("---|"));
        md.append('\n');
        for (long rate : maxRates(curves)) {
            md.append(String.format(Locale.ROOT, "| %,d |", rate));
            for (List<AckLatency.Point> points : curves.values()) {
                AckLatency.Point p = points.stream().filter(x -> x.offered() == rate).findFirst().orElse(null);
                md.append(p == null ? " |" : String.format(Locale.ROOT, " %.2f / %.2f%s |", p.p50(), p.p99(),
                        p.saturated() ? String.format(Locale.ROOT, " (sat., %,.0f/s)", p.achieved()) : ""));
            }
            md.append('\n');
        }
        AckLatency.Point raw1k = at(curves.get(AckLatency.Target.RAW_PRODUCER.label), 1_000);
        AckLatency.Point pub1k = at(curves.get(AckLatency.Target.PUBLISHER.label), 1_000);
        if (raw1k != null && pub1k != null) {
            double above = pub1k.p50() - raw1k.p50();
            md.append(String.format(Locale.ROOT, "%nAt 1,000 events/s the publisher's p50 is %.3f ms above the raw producer's "
                    + "(goal ≤ 1 ms: %s).%n", above, yes(above <= 1)));
        }
        return md.toString();
    }

    private static long[] maxRates(Map<String, List<AckLatency.Point>> curves) {
        return curves.values().stream().flatMap(List::stream).mapToLong(AckLatency.Point::offered).distinct().sorted().toArray();
    }

    private static AckLatency.Point at(List<AckLatency.Point> points, long rate) {
        return points == null ? null : points.stream().filter(p -> p.offered() == rate).findFirst().orElse(null);
    }

    private static String ratio(Paired p) {
        return String.format(Locale.ROOT, "%.2f× (%.2f–%.2f)", p.medianRatio(), p.minRatio(), p.maxRatio());
    }

    private static String yes(boolean met) {
        return met ? "yes" : "**no**";
    }
}
