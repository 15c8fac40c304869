package dev.eventpublisher.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * ScaleOutIT's long version (not in CI): the local cluster ({@code deploy/local-cluster}: 3 broker processes,
 * 2 daemons, HAProxy) under {@code publisherd load --http} through HAProxy, with rolling restarts of the
 * daemons and a broker SIGKILLed and restarted, {@code --cycles} times. Throughput over time (from the load
 * tool's live line, each second) goes to {@code scale-out.csv}, {@code scale-out.png} and {@code scale-out.md}
 * with the operations' times and the load tool's summary. {@code benchmarks/scale-out [--cycles 3] [--steady 30]}.
 */
public final class ScaleOut {
    private static final Pattern LIVE = Pattern.compile("t=\\s*(\\d+)s rate=\\s*([\\d,]+)/s accepted=\\s*([\\d,]+)");

    private ScaleOut() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!List.of("--out", "--cycles", "--steady", "--base-port").contains(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + " (--out DIR, --cycles N, --steady SECONDS, --base-port N)");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        Path out = Path.of(options.getOrDefault("out", "benchmarks/results/scale-out"));
        int cycles = Integer.parseInt(options.getOrDefault("cycles", "3"));
        int steady = Integer.parseInt(options.getOrDefault("steady", "30"));
        Path cluster = Path.of("deploy/local-cluster").toAbsolutePath();
        Path dir = Files.createTempDirectory("scale-out-cluster-");
        Map<String, String> env = Map.of("CLUSTER_DIR", dir.toString(), "CLUSTER_BASE_PORT", options.getOrDefault("base-port", "18080"));
        Files.createDirectories(out);
        List<String> events = new CopyOnWriteArrayList<>();
        List<double[]> samples = new CopyOnWriteArrayList<>(); // {t, events/s}
        StringBuilder summary = new StringBuilder();
        run(cluster.resolve("up"), env);
        long start = System.nanoTime();
        int duration = steady * 2 + cycles * 60 + 30;
        Process load = new ProcessBuilder("./publisherd", "load", "--http", "http://127.0.0.1:" + env.get("CLUSTER_BASE_PORT"),
                "--threads", "4", "--duration", duration + "s", "--topic", "scale-out").redirectErrorStream(true).start();
        Thread reader = new Thread(() -> readLoad(load, samples, summary));
        reader.start();
        try {
            Thread.sleep(steady * 1000L);
            for (int c = 0; c < cycles; c++) {
                int broker = 1 + c % 3;
                step(cluster, env, events, start, "daemon-stop", "1");
                step(cluster, env, events, start, "daemon-start", "1");
                step(cluster, env, events, start, "broker-kill", Integer.toString(broker));
                step(cluster, env, events, start, "daemon-stop", "2");
                step(cluster, env, events, start, "daemon-start", "2");
                step(cluster, env, events, start, "broker-start", Integer.toString(broker));
                Thread.sleep(10_000);
            }
            load.waitFor();
            reader.join();
        } finally {
            load.destroy();
            run(cluster.resolve("down"), Map.of("CLUSTER_DIR", dir.toString(), "CLUSTER_BASE_PORT", env.get("CLUSTER_BASE_PORT")),
                    "--clean");
        }
        write(out, samples, events, summary.toString(), cycles, steady);
    }

    private static void readLoad(Process load, List<double[]> samples, StringBuilder summary) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(load.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder line = new StringBuilder();
            int ch;
            while ((ch = in.read()) != -1) {
                if (ch == '\r' || ch == '\n') {
                    Matcher m = LIVE.matcher(line);
                    if (m.find()) {
                        samples.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2).replace(",", ""))});
                    } else if (line.toString().startsWith("summary:")) {
                        summary.append(line);
                    }
                    line.setLength(0);
                } else {
                    line.append((char) ch);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void step(Path cluster, Map<String, String> env, List<String> events, long start, String action, String n)
            throws Exception {
        double t = (System.nanoTime() - start) / 1e9;
        run(cluster.resolve("ctl"), env, action, n);
        events.add(String.format(Locale.ROOT, "%.0f–%.0f s: %s %s", t, (System.nanoTime() - start) / 1e9, action, n));
        System.err.println("scale-out: " + events.get(events.size() - 1));
    }

    private static void run(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(command).inheritIO();
        b.environment().putAll(env);
        if (b.start().waitFor() != 0) {
            throw new IllegalStateException(command + " failed");
        }
    }

    private static void write(Path out, List<double[]> samples, List<String> events, String summary, int cycles, int steady)
            throws Exception {
        StringBuilder csv = new StringBuilder("second,events_per_second\n");
        samples.forEach(s -> csv.append((long) s[0]).append(',').append((long) s[1]).append('\n'));
        Files.writeString(out.resolve("scale-out.csv"), csv);
        double before = samples.stream().filter(s -> s[0] > 3 && s[0] <= steady).mapToDouble(s -> s[1]).average().orElse(0);
        StringBuilder md = new StringBuilder("# Scale-out: rolling restarts and broker kills under load\n\n");
        md.append("Local cluster (`deploy/local-cluster`): 3 KRaft brokers as processes (RF 3, min.insync.replicas 2), 2 daemons, "
                + "HAProxy; load `publisherd load --http` (4 connections, NDJSON batches of 100, 503s retried with the same "
                + "Idempotency-Key) through HAProxy. All on one 2-core machine.\n\n");
        md.append(String.format(Locale.ROOT, "Steady throughput before the operations: %,.0f events/s.%n%n", before));
        md.append("Operations (time since the load started):\n\n");
        events.forEach(e -> md.append("- ").append(e).append('\n'));
        md.append("\nLoad tool: `").append(summary).append("`\n\n");
        md.append("Chart: `scale-out.png` (events/s answered 202, per second); raw: `scale-out.csv`. Command: "
                + "`benchmarks/scale-out --cycles ").append(cycles).append(" --steady ").append(steady).append("`.\n");
        Files.writeString(out.resolve("scale-out.md"), md);
        if (!samples.isEmpty()) {
            XYChart chart = new XYChartBuilder().width(1000).height(420).title("Events/s through HAProxy during rolling restarts")
                    .xAxisTitle("seconds").yAxisTitle("events/s (202)").build();
            chart.addSeries("accepted events/s", samples.stream().map(s -> s[0]).toList(), samples.stream().map(s -> s[1]).toList());
            BitmapEncoder.saveBitmap(chart, out.resolve("scale-out.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        }
        System.err.println(md);
    }
}
