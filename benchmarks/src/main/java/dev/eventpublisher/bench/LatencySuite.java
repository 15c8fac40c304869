package dev.eventpublisher.bench;

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
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * The latency benchmarks (issue 13), one run so every comparison is same-machine, same-moment:
 * <ol>
 *   <li>the daemon (packaged, embedded broker) per configuration: one keep-alive connection of single-event
 *   {@code ?sync=true} requests ({@link SyncLatency}) against the raw producer's {@code send().get()} to the same
 *   broker, in alternating rounds; 32 connections of them (wrk); the CPU an idle daemon costs per thread
 *   ({@link IdleCpu});</li>
 *   <li>NDJSON saturation, before against the defaults, both daemons up and measured in alternating rounds
 *   ({@link Paired});</li>
 *   <li>latency curves, publish → acknowledgement against offered load up to saturation ({@link AckLatency}), for
 *   the raw producer, the publisher before and after, and the publisher with the journal per fsync policy;</li>
 *   <li>saturated throughput (JMH {@link EndToEndBenchmark}, before and after in alternating forks, {@link Paired})
 *   and {@code publish()} latency at 20,000/s, before and after.</li>
 * </ol>
 * "Before" is the pipeline as it was: the {@code backoff} wait strategy (consumers poll, up to 4 ms apart) and the
 * producer's {@code linger.ms=5} at every load (no flush when the pipeline runs dry). Writes {@code summary.json}, {@code summary.md} and {@code latency.png}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.eventpublisher.bench.LatencySuite --quick|--full|--smoke
 *      [--out benchmarks/results/latency] [--daemon-lib publisher-daemon/target/publisherd/lib] [--config-dir config]
 * </pre>
 */
public final class LatencySuite {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final List<String> BEFORE = List.of("-Dpublisher.ring.wait-strategy=backoff", "-Dpublisher.kafka.producer.linger.ms=5",
            "-Dpublisher.kafka.flush-when-idle=false");
    private static final long[] RATES = {1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 400_000, 800_000,
        1_600_000, 3_200_000};

    /** A daemon configuration; {@code full} ones also get the idle-CPU reading. */
    /** {@link EndToEndBenchmark}'s parameters for the library's defaults before issue 13, and now. */
    static final Map<String, String> JMH_BEFORE = Map.of("waitStrategy", "BACKOFF", "pipelineLingerMs", "5",
            "pipelineFlushWhenIdle", "false");
    static final Map<String, String> JMH_AFTER = Map.of("waitStrategy", "PARKING", "pipelineLingerMs", "5",
            "pipelineFlushWhenIdle", "true");

    private record DaemonCase(String name, Map<String, String> env, List<String> jvmArgs, boolean full) {
    }

    private static final List<DaemonCase> CASES = List.of(
            new DaemonCase("before", Map.of(), BEFORE, true),
            new DaemonCase("defaults (journal fsync=batch)", Map.of(), List.of(), true),
            new DaemonCase("journal fsync=interval", Map.of("PUBLISHER_JOURNAL_FSYNC", "interval"), List.of(), false),
            new DaemonCase("journal fsync=none", Map.of("PUBLISHER_JOURNAL_FSYNC", "none"), List.of(), false),
            new DaemonCase("journal off", Map.of("PUBLISHER_JOURNAL_ENABLED", "false"), List.of(), false));

    private LatencySuite() {
    }

    public static void main(String[] args) throws Exception {
        SuiteOptions o = SuiteOptions.parse(args, Path.of("benchmarks/results/latency"), "benchmarks/latency");
        run(o.mode(), o.out(), o.daemonLib(), o.configDir(), o.command());
    }

    static void run(String mode, Path out, Path lib, Path config, String command) throws Exception {
        boolean smoke = mode.equals("smoke");
        boolean full = mode.equals("full");
        Files.createDirectories(out.resolve("raw"));
        long started = System.nanoTime();
        Duration warmup = Duration.ofSeconds(smoke ? 1 : full ? 15 : 5);
        Duration run = Duration.ofSeconds(smoke ? 1 : full ? 20 : 8);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("date", OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        s.put("mode", mode);
        s.put("command", command);
        s.put("cores", Runtime.getRuntime().availableProcessors());

        Map<String, Object> daemons = new LinkedHashMap<>();
        // Smoke: the two configurations that run every step; the other three only repeat the first steps.
        for (DaemonCase c : smoke ? CASES.subList(0, 2) : CASES) {
            daemons.put(c.name(), daemonCase(c, lib, config, warmup, run, smoke, full));
        }
        s.put("daemon", daemons);

        int rounds = smoke ? 1 : full ? 5 : 3;
        log("NDJSON batches of 100 at saturation, 32 connections: before and defaults, both daemons up, " + rounds + " alternating rounds");
        s.put("ndjson_saturated", ndjsonPaired(lib, config, rounds, warmup, Duration.ofSeconds(smoke ? 1 : 6)));

        Map<String, List<AckLatency.Point>> curves = new LinkedHashMap<>();
        Duration pointWarmup = Duration.ofSeconds(smoke ? 1 : 2);
        Duration pointRun = Duration.ofSeconds(smoke ? 1 : full ? 8 : 4);
        long[] rates = smoke ? new long[] {1_000} : RATES;
        try (KafkaFixture kafka = new KafkaFixture()) {
            for (AckLatency.Target target : AckLatency.Target.atLeastOnce()) {
                log("curve: " + target.label);
                curves.put(target.label, AckLatency.curve(kafka, target, rates, pointWarmup, pointRun));
            }
        }
        s.put("curves", curves);

        Map<String, Object> jmh = new LinkedHashMap<>();
        for (int threads : smoke ? new int[] {1} : new int[] {1, 4}) {
            Map<String, Object> byConfig = new LinkedHashMap<>();
            byConfig.put("raw producer", jmh(out, "raw-t" + threads, "EndToEndBenchmark\\.rawProducer$", threads, Map.of(), smoke));
            int t = threads;
            int[] forks = {0, 0};
            Paired paired = Paired.measure(rounds,
                    () -> jmh(out, "before-t" + t + "-" + forks[0]++, "EndToEndBenchmark\\.pipeline$", t, JMH_BEFORE, smoke),
                    () -> jmh(out, "after-t" + t + "-" + forks[1]++, "EndToEndBenchmark\\.pipeline$", t, JMH_AFTER, smoke));
            byConfig.put("before", paired.medianA());
            byConfig.put("after", paired.medianB());
            byConfig.put("paired", paired);
            jmh.put(threads + "t", byConfig);
        }
        s.put("e2e_events_per_s", jmh);

        Duration latencyRun = Duration.ofSeconds(smoke ? 1 : full ? 20 : 5);
        Map<String, Object> publish = new LinkedHashMap<>();
        for (var strategy : new dev.eventpublisher.WaitStrategyType[] {
            dev.eventpublisher.WaitStrategyType.BACKOFF, dev.eventpublisher.WaitStrategyType.PARKING}) {
            log("publish() at 20,000/s, " + strategy);
            publish.put(strategy.name().toLowerCase(Locale.ROOT), PublishLatency.measure(20_000, latencyRun, latencyRun, strategy));
        }
        s.put("publish_call_ns_at_20k", publish);

        s.put("took_s", Duration.ofNanos(System.nanoTime() - started).toSeconds());
        JSON.writeValue(out.resolve("summary.json").toFile(), s);
        Files.writeString(out.resolve("summary.md"), LatencyReport.markdown(s, daemons, curves, jmh, publish));
        chart(out.resolve("latency.png"), curves);
        log("wrote " + out.resolve("summary.md") + ", summary.json, latency.png");
        System.out.println(Files.readString(out.resolve("summary.md")));
    }

    private static Map<String, Object> daemonCase(DaemonCase c, Path lib, Path config, Duration warmup, Duration run,
                                                  boolean smoke, boolean full) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("env", c.env());
        r.put("jvm_args", c.jvmArgs());
        try (RunningDaemon daemon = RunningDaemon.start(lib, config, c.env(), c.jvmArgs())) {
            log("daemon " + c.name() + ": one connection of single-event ?sync=true requests against the raw producer, alternating");
            int rounds = smoke ? 1 : full ? 10 : 4;
            SyncLatency.Comparison sync = SyncLatency.compare(daemon, "bench-single", warmup, rounds, run.dividedBy(rounds));
            r.put("sync_one_connection", sync.daemon());
            r.put("raw_send_get", sync.raw());
            r.put("sync_warmup_s", Math.round(sync.warmupSeconds()));
            r.put("sync_compiler_cpu_percent", Math.round(sync.compilerPercent() * 10) / 10.0);
            log("daemon " + c.name() + ": 32 connections of single-event ?sync=true requests");
            r.put("sync_32_connections", HttpIngest.runSync(daemon, warmup, run, 32));
            if (c.full()) {
                if (IdleCpu.supported()) {
                    Duration idle = Duration.ofSeconds(smoke ? 2 : full ? 60 : 20);
                    log("daemon " + c.name() + ": idle for " + idle.toSeconds() + " s, CPU per thread");
                    Thread.sleep(smoke ? 500 : 5_000); // let the last batches and the producer settle
                    r.put("idle_cpu", IdleCpu.measure(daemon.pid(), idle));
                }
            }
        }
        return r;
    }

    /**
     * NDJSON ×100 at saturation, "before" against the defaults: both daemons started and warmed up first, then
     * measured in alternating rounds (the idle one costs a few % of a core meanwhile, the same for both).
     */
    private static Paired ndjsonPaired(Path lib, Path config, int rounds, Duration warmup, Duration round) throws Exception {
        DaemonCase before = CASES.get(0);
        DaemonCase defaults = CASES.get(1);
        try (RunningDaemon a = RunningDaemon.start(lib, config, before.env(), before.jvmArgs());
             RunningDaemon b = RunningDaemon.start(lib, config, defaults.env(), defaults.jvmArgs())) {
            HttpIngest.run(a, 100, warmup, warmup, 32);
            HttpIngest.run(b, 100, warmup, warmup, 32);
            Duration settle = Duration.ofSeconds(1);
            return Paired.measure(rounds, () -> HttpIngest.run(a, 100, settle, round, 32).eventsPerSecond(),
                    () -> HttpIngest.run(b, 100, settle, round, 32).eventsPerSecond());
        }
    }

    private static double jmh(Path out, String name, String include, int threads, Map<String, String> params,
                              boolean smoke) throws Exception {
        log("jmh " + name + ": " + include + " " + params + ", " + threads + " thread(s)");
        return Math.round(JmhThroughput.once(include, params, threads, smoke ? "smoke" : "paired",
                out.resolve("raw").resolve(name + ".json")));
    }

    private static void chart(Path file, Map<String, List<AckLatency.Point>> curves) throws java.io.IOException {
        List<Chart<?, ?>> charts = new ArrayList<>();
        for (String percentile : List.of("p50", "p99")) {
            XYChart chart = new XYChartBuilder().width(720).height(480)
                    .title("publish → Kafka acknowledgement, " + percentile + " (open loop)")
                    .xAxisTitle("offered load (events/s)").yAxisTitle(percentile + " latency (ms)").build();
            chart.getStyler().setXAxisLogarithmic(true);
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
            chart.getStyler().setXAxisDecimalPattern("#,###");
            curves.forEach((label, points) -> {
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (AckLatency.Point p : points) {
                    x.add((double) p.offered());
                    y.add(Math.max(0.001, percentile.equals("p50") ? p.p50() : p.p99()));
                }
                if (!x.isEmpty()) {
                    chart.addSeries(label, x, y);
                }
            });
            charts.add(chart);
        }
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static void log(String message) {
        System.out.println("[latency-suite] " + message);
        System.out.flush();
    }
}
