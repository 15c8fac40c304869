package dev.eventpublisher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * Turns one suite run into {@code summary.json} (the numbers and ratios), {@code summary.md} (a table:
 * benchmark, score, error, baseline, ratio, goal, met?) and {@code throughput.png} (XChart bar charts).
 */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<BenchmarkSuite.Measurement> measurements;
    private final Double allocation;
    private final PublishLatency.Result latency;
    private final List<HttpIngest.Result> http;
    /** Null when not measured (--skip-http). */
    private NewTopicsLatency.Result newTopics;
    private final String mode;
    private final String command;
    private final Duration took;

    Report(List<BenchmarkSuite.Measurement> measurements, Double allocation, PublishLatency.Result latency,
           List<HttpIngest.Result> http, String mode, String command, Duration took) {
        this.measurements = measurements;
        this.allocation = allocation;
        this.latency = latency;
        this.http = http;
        this.mode = mode;
        this.command = command;
        this.took = took;
    }

    /** A row of the table: a measured score against its baseline and goal. */
    record Row(String benchmark, String score, String error, String baseline, Double ratio, String goal, Boolean met) {
    }

    double score(String benchmark, int threads) {
        return measurements.stream().filter(m -> m.benchmark().equals(benchmark) && m.threads() == threads)
                .mapToDouble(BenchmarkSuite.Measurement::score).findFirst().orElse(Double.NaN);
    }

    double error(String benchmark, int threads) {
        return measurements.stream().filter(m -> m.benchmark().equals(benchmark) && m.threads() == threads)
                .mapToDouble(BenchmarkSuite.Measurement::error).findFirst().orElse(Double.NaN);
    }

    /** Adds the head-of-line row: sync latency to an existing topic, alone and while new topics are created. */
    Report newTopics(NewTopicsLatency.Result result) {
        this.newTopics = result;
        return this;
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> summary = summary();
        JSON.writeValue(dir.resolve("summary.json").toFile(), summary);
        Files.writeString(dir.resolve("summary.md"), markdown(summary));
        chart(dir.resolve("throughput.png"));
    }

    private Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("date", OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        s.put("mode", mode);
        s.put("command", command);
        s.put("took_s", took.toSeconds());
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        s.put("machine", machine);

        Map<String, Object> ratios = new LinkedHashMap<>();
        ratios.put("core_vs_raw_disruptor", ratio(score("CorePipelineBenchmark.pipeline", 4), score("CorePipelineBenchmark.rawDisruptor", 4)));
        for (int t : new int[] {1, 2, 4}) {
            ratios.put("core_vs_raw_disruptor_" + t + "t", ratio(score("CorePipelineBenchmark.pipeline", t),
                    score("CorePipelineBenchmark.rawDisruptor", t)));
        }
        ratios.put("e2e_vs_raw_producer", ratio(score("EndToEndBenchmark.pipeline", 4), score("EndToEndBenchmark.rawProducer", 4)));
        ratios.put("e2e_vs_raw_producer_1t", ratio(score("EndToEndBenchmark.pipeline", 1), score("EndToEndBenchmark.rawProducer", 1)));
        ratios.put("e2e_4t_vs_raw_1t", ratio(score("EndToEndBenchmark.pipeline", 4), score("EndToEndBenchmark.rawProducer", 1)));
        ratios.put("e2e_vs_sync_per_message", ratio(score("EndToEndBenchmark.pipeline", 1), score("EndToEndBenchmark.syncPerMessage", 1)));
        s.put("ratios", ratios);

        Map<String, Object> throughput = new LinkedHashMap<>();
        throughput.put("e2e_events_per_s", round(score("EndToEndBenchmark.pipeline", 4)));
        throughput.put("e2e_events_per_s_1t", round(score("EndToEndBenchmark.pipeline", 1)));
        throughput.put("raw_producer_events_per_s_1t", round(score("EndToEndBenchmark.rawProducer", 1)));
        throughput.put("raw_producer_events_per_s_4t", round(score("EndToEndBenchmark.rawProducer", 4)));
        throughput.put("sync_per_message_events_per_s", round(score("EndToEndBenchmark.syncPerMessage", 1)));
        throughput.put("core_events_per_s_4t", round(score("CorePipelineBenchmark.pipeline", 4)));
        throughput.put("raw_disruptor_events_per_s_4t", round(score("CorePipelineBenchmark.rawDisruptor", 4)));
        s.put("throughput", throughput);

        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("rate_events_per_s", latency.rate());
        lat.put("calls", latency.calls());
        lat.put("publish_p50", latency.p50());
        lat.put("publish_p99", latency.p99());
        lat.put("publish_p999", latency.p999());
        lat.put("publish_max", latency.max());
        s.put("latency_ns", lat);
        s.put("alloc_bytes_per_event", allocation == null ? null : round(allocation));

        Map<String, Object> h = new LinkedHashMap<>();
        for (HttpIngest.Result r : http) {
            if (r.mode().equals("single")) {
                h.put("single_requests_per_s", round(r.requestsPerSecond()));
                h.put("single_events_per_s", round(r.eventsPerSecond()));
                h.put("single_non2xx", r.non2xx());
            } else {
                h.put("ndjson_events_per_s", round(r.eventsPerSecond()));
                h.put("ndjson_requests_per_s", round(r.requestsPerSecond()));
                h.put("ndjson_non2xx", r.non2xx());
            }
            h.put("driver", r.driver());
        }
        s.put("http", h);
        if (newTopics != null) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("alone_p50_ms", newTopics.alone().p50());
            n.put("alone_p99_ms", newTopics.alone().p99());
            n.put("alone_requests", newTopics.alone().requests());
            n.put("fanning_out_p50_ms", newTopics.fanningOut().p50());
            n.put("fanning_out_p99_ms", newTopics.fanningOut().p99());
            n.put("fanning_out_requests", newTopics.fanningOut().requests());
            n.put("p99_ratio", round(newTopics.p99Ratio()));
            n.put("raw_alone_p50_ms", newTopics.rawAlone().p50());
            n.put("raw_alone_p99_ms", newTopics.rawAlone().p99());
            n.put("raw_fanning_out_p50_ms", newTopics.rawFanningOut().p50());
            n.put("raw_fanning_out_p99_ms", newTopics.rawFanningOut().p99());
            n.put("raw_p99_ratio", round(newTopics.rawP99Ratio()));
            n.put("new_topics_while_measured", newTopics.topicsCreated());
            n.put("fan_out_events_while_measured", newTopics.fanOutEvents());
            s.put("new_topics_sync_latency", n);
        }

        List<Map<String, Object>> results = new ArrayList<>();
        for (BenchmarkSuite.Measurement m : measurements) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("benchmark", m.benchmark());
            r.put("threads", m.threads());
            r.put("score", round(m.score()));
            r.put("error", round(m.error()));
            r.put("unit", m.unit());
            results.add(r);
        }
        s.put("results", results);
        s.put("rows", rows());
        return s;
    }

    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (int t : new int[] {1, 2, 4}) {
            double p = score("CorePipelineBenchmark.pipeline", t);
            double raw = score("CorePipelineBenchmark.rawDisruptor", t);
            rows.add(new Row("core pipeline, no-op sender, " + t + " thread(s)", ops(p), ops(error("CorePipelineBenchmark.pipeline", t)),
                    "raw Disruptor " + ops(raw), ratio(p, raw), ">= 0.5x", met(ratio(p, raw), 0.5)));
        }
        for (int t : new int[] {1, 4}) {
            double p = score("EndToEndBenchmark.pipeline", t);
            double raw = score("EndToEndBenchmark.rawProducer", t);
            rows.add(new Row("end to end, " + t + " thread(s)", ops(p), ops(error("EndToEndBenchmark.pipeline", t)),
                    "raw KafkaProducer " + t + "t " + ops(raw), ratio(p, raw), ">= 1.0x", met(ratio(p, raw), 1.0)));
        }
        double p4 = score("EndToEndBenchmark.pipeline", 4);
        double raw1 = score("EndToEndBenchmark.rawProducer", 1);
        rows.add(new Row("end to end, 4 threads vs raw 1 thread", ops(p4), ops(error("EndToEndBenchmark.pipeline", 4)),
                "raw KafkaProducer 1t " + ops(raw1), ratio(p4, raw1), ">= 0.8x", met(ratio(p4, raw1), 0.8)));
        double p1 = score("EndToEndBenchmark.pipeline", 1);
        double sync = score("EndToEndBenchmark.syncPerMessage", 1);
        rows.add(new Row("end to end vs one send().get() per message", ops(p1), ops(error("EndToEndBenchmark.pipeline", 1)),
                "sync send " + ops(sync), ratio(p1, sync), ">= 100x", met(ratio(p1, sync), 100)));
        rows.add(new Row("publish() p99 at " + latency.rate() + "/s", latency.p99() + " ns", "", "", null, "<= 1,000 ns",
                latency.p99() <= 1_000));
        rows.add(new Row("publish() p99.9 at " + latency.rate() + "/s", latency.p999() + " ns", "", "", null, "<= 20,000 ns",
                latency.p999() <= 20_000));
        if (allocation != null) {
            rows.add(new Row("allocation per publish() (no-op sender)", String.format(Locale.ROOT, "%.1f B/op", allocation), "", "",
                    null, "<= 64 B/op", allocation <= 64));
        }
        for (HttpIngest.Result r : http) {
            if (r.mode().equals("single")) {
                rows.add(new Row("HTTP single-event POSTs (" + r.driver() + ")", ops(r.requestsPerSecond()) + " req/s",
                        "", "events acked " + ops(r.eventsPerSecond()) + "/s, non-2xx " + r.non2xx(), null, "(reported)", null));
            } else {
                rows.add(new Row("HTTP NDJSON batches of 100 (" + r.driver() + ")", ops(r.eventsPerSecond()) + " events/s acked",
                        "", ops(r.requestsPerSecond()) + " req/s, non-2xx " + r.non2xx(), null, ">= 200,000 events/s",
                        r.eventsPerSecond() >= 200_000));
            }
        }
        if (newTopics != null) {
            SyncLatency.Result a = newTopics.alone();
            SyncLatency.Result f = newTopics.fanningOut();
            rows.add(new Row("HTTP ?sync=true p99, existing topic, while another client fans out to "
                    + NewTopicsLatency.TOPICS + " new topics (" + newTopics.topicsCreated() + " created while measured)",
                    String.format(Locale.ROOT, "%.2f ms (p50 %.2f)", f.p99(), f.p50()), "",
                    String.format(Locale.ROOT, "alone p99 %.2f ms (p50 %.2f); raw send().get() p99 %.2f ms alone, %.2f ms"
                            + " while new topics (%.1fx)", a.p99(), a.p50(), newTopics.rawAlone().p99(),
                            newTopics.rawFanningOut().p99(), newTopics.rawP99Ratio()),
                    round(newTopics.p99Ratio()), "<= 2.0x", newTopics.p99Ratio() <= 2.0));
        }
        return rows;
    }

    private String markdown(Map<String, Object> summary) {
        @SuppressWarnings("unchecked")
        Map<String, Object> machine = (Map<String, Object>) summary.get("machine");
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n");
        md.append("- date: ").append(summary.get("date")).append(", mode: ").append(mode).append(", took ")
                .append(took.toSeconds()).append(" s\n");
        md.append("- command: `").append(command).append("`\n");
        md.append("- machine: ").append(machine.get("cores")).append(" cores, ").append(machine.get("jvm")).append(", ")
                .append(machine.get("os")).append("\n\n");
        md.append("| benchmark | score | error (99.9%) | baseline (same run) | ratio | goal | met? |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (Row r : rows()) {
            md.append("| ").append(r.benchmark()).append(" | ").append(r.score()).append(" | ").append(r.error()).append(" | ")
                    .append(r.baseline()).append(" | ")
                    .append(r.ratio() == null ? "" : String.format(Locale.ROOT, "%.2fx", r.ratio())).append(" | ")
                    .append(r.goal()).append(" | ").append(r.met() == null ? "" : r.met() ? "yes" : "**no**").append(" |\n");
        }
        md.append("\nScores are operations per second (one operation = one event published) unless marked. ")
                .append("Raw JMH output: `raw/*.json`. Chart: `throughput.png`.\n");
        return md.toString();
    }

    private void chart(Path file) throws IOException {
        List<Chart<?, ?>> charts = new ArrayList<>();
        charts.add(bars("Core pipeline vs raw Disruptor (no-op consumers)", List.of("1 thread", "2 threads", "4 threads"),
                new int[] {1, 2, 4}, Map.of("event publisher", "CorePipelineBenchmark.pipeline",
                        "raw Disruptor", "CorePipelineBenchmark.rawDisruptor")));
        CategoryChart e2e = bars("End to end to a local broker", List.of("1 thread", "4 threads"), new int[] {1, 4},
                Map.of("event publisher", "EndToEndBenchmark.pipeline", "raw KafkaProducer", "EndToEndBenchmark.rawProducer"));
        charts.add(e2e);
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private CategoryChart bars(String title, List<String> categories, int[] threads, Map<String, String> series) {
        CategoryChart chart = new CategoryChartBuilder().width(640).height(420).title(title)
                .xAxisTitle("publishing threads").yAxisTitle("events / s").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setYAxisDecimalPattern("#,###");
        new java.util.TreeMap<>(series).forEach((label, benchmark) -> {
            List<Double> values = new ArrayList<>();
            for (int t : threads) {
                double v = score(benchmark, t);
                values.add(Double.isNaN(v) ? 0.0 : v);
            }
            chart.addSeries(label, categories, values);
        });
        return chart;
    }

    private static Double ratio(double value, double baseline) {
        if (Double.isNaN(value) || Double.isNaN(baseline) || baseline == 0) {
            return null;
        }
        return Math.round(value / baseline * 1000) / 1000.0;
    }

    private static Boolean met(Double ratio, double goal) {
        return ratio == null ? null : ratio >= goal;
    }

    private static Double round(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 10) / 10.0;
    }

    private static String ops(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
    }
}
