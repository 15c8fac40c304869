package dev.eventpublisher.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark in one go and writes the report: raw JMH JSON per run, {@code summary.json},
 * {@code summary.md} and {@code throughput.png} under the output directory. Baselines run in the same
 * invocation on the same machine, so the ratios are what to read; absolute numbers move with the load
 * on a shared 2-core machine.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.eventpublisher.bench.BenchmarkSuite --quick|--full|--smoke
 *      [--out benchmarks/results] [--daemon-lib publisher-daemon/target/publisherd/lib] [--config-dir config]
 *      [--skip-http] [--command "benchmarks/run --full"]
 * </pre>
 */
public final class BenchmarkSuite {

    /** How long each benchmark runs. */
    enum Mode {
        SMOKE(0, 0, 1, 1, 1, 2),
        QUICK(1, 1, 2, 2, 3, 10),
        FULL(1, 3, 5, 5, 5, 20);

        final int forks;
        final int warmups;
        final int warmupSeconds;
        final int measurements;
        final int measurementSeconds;
        final int httpSeconds;

        Mode(int forks, int warmups, int warmupSeconds, int measurements, int measurementSeconds, int httpSeconds) {
            this.forks = forks;
            this.warmups = warmups;
            this.warmupSeconds = warmupSeconds;
            this.measurements = measurements;
            this.measurementSeconds = measurementSeconds;
            this.httpSeconds = httpSeconds;
        }
    }

    private final Mode mode;
    private final Path out;
    private final Path daemonLib;
    private final Path configDir;
    private final boolean skipHttp;
    private final String command;
    private final List<Measurement> measurements = new ArrayList<>();

    BenchmarkSuite(Mode mode, Path out, Path daemonLib, Path configDir, boolean skipHttp, String command) {
        this.mode = mode;
        this.out = out;
        this.daemonLib = daemonLib;
        this.configDir = configDir;
        this.skipHttp = skipHttp;
        this.command = command;
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.QUICK;
        Path out = Path.of("benchmarks/results");
        Path lib = Path.of("publisher-daemon/target/publisherd/lib");
        Path config = Path.of("config");
        boolean skipHttp = false;
        String command = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> mode = Mode.QUICK;
                case "--full" -> mode = Mode.FULL;
                case "--smoke" -> mode = Mode.SMOKE;
                case "--out" -> out = Path.of(args[++i]);
                case "--daemon-lib" -> lib = Path.of(args[++i]);
                case "--config-dir" -> config = Path.of(args[++i]);
                case "--skip-http" -> skipHttp = true;
                case "--command" -> command = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (use --quick | --full | --smoke, --out DIR, --daemon-lib DIR, --config-dir DIR, --skip-http)");
            }
        }
        String cmd = command != null ? command : "benchmarks/run --" + mode.name().toLowerCase(Locale.ROOT);
        new BenchmarkSuite(mode, out, lib, config, skipHttp, cmd).runAll();
    }

    /** One number the report shows. */
    record Measurement(String benchmark, int threads, double score, double error, String unit) {
    }

    void runAll() throws Exception {
        Files.createDirectories(out.resolve("raw"));
        long started = System.nanoTime();
        Double allocation = null;
        PublishLatency.Result latency;
        List<HttpIngest.Result> http = new ArrayList<>();
        NewTopicsLatency.Result newTopics = null;

        for (int threads : new int[] {1, 2, 4}) {
            jmh("core-t" + threads, "CorePipelineBenchmark\\.(pipeline|rawDisruptor)$", threads, false);
        }
        Collection<RunResult> gc = jmh("alloc-t1", "CorePipelineBenchmark\\.pipeline$", 1, true);
        for (RunResult r : gc) {
            for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    allocation = e.getValue().getScore();
                }
            }
        }
        for (int threads : new int[] {1, 4}) {
            jmh("e2e-t" + threads, "EndToEndBenchmark\\.(pipeline|rawProducer)$", threads, false);
        }
        jmh("e2e-sync-t1", "EndToEndBenchmark\\.syncPerMessage$", 1, false);

        Duration latencyRun = Duration.ofSeconds(mode == Mode.FULL ? 20 : mode == Mode.QUICK ? 5 : 1);
        log("latency: publish() at 20,000 events/s for " + latencyRun.toSeconds() + " s");
        latency = PublishLatency.measure(20_000, latencyRun, latencyRun);

        if (!skipHttp) {
            Duration run = Duration.ofSeconds(mode.httpSeconds);
            Duration warmup = Duration.ofSeconds(Math.max(1, mode.httpSeconds / 2));
            log("http: NDJSON batches of 100, " + warmup.toSeconds() + " s warm-up, " + run.toSeconds() + " s measured");
            http.add(HttpIngest.run(daemonLib, configDir, 100, warmup, run, 32));
            log("http: single-event POSTs, " + warmup.toSeconds() + " s warm-up, " + run.toSeconds() + " s measured");
            http.add(HttpIngest.run(daemonLib, configDir, 1, warmup, run, 32));
            log("http: ?sync=true to an existing topic, alone and while a client fans out to 2,000 new topics, "
                    + run.toSeconds() + " s measured");
            newTopics = NewTopicsLatency.run(daemonLib, configDir, run);
        }

        Report report = new Report(measurements, allocation, latency, http, mode.name().toLowerCase(Locale.ROOT), command,
                Duration.ofNanos(System.nanoTime() - started)).newTopics(newTopics);
        report.write(out);
        log("wrote " + out.resolve("summary.md") + ", summary.json, throughput.png");
        System.out.println(Files.readString(out.resolve("summary.md")));
    }

    private Collection<RunResult> jmh(String name, String include, int threads, boolean gcProfiler) throws Exception {
        log("jmh " + name + ": " + include + " with " + threads + " thread(s)");
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .threads(threads)
                .forks(mode.forks)
                .warmupIterations(mode.warmups)
                .warmupTime(TimeValue.seconds(mode.warmupSeconds))
                .measurementIterations(mode.measurements)
                .measurementTime(TimeValue.seconds(mode.measurementSeconds))
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(out.resolve("raw").resolve(name + ".json").toString());
        if (gcProfiler) {
            options.addProfiler(GCProfiler.class);
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark();
            String benchmark = method.substring(method.lastIndexOf('.', method.lastIndexOf('.') - 1) + 1);
            Result primary = r.getPrimaryResult();
            double error = Double.isNaN(primary.getScoreError()) ? 0 : primary.getScoreError();
            if (!gcProfiler) {
                measurements.add(new Measurement(benchmark, threads, primary.getScore(), error, primary.getScoreUnit()));
            }
        }
        return results;
    }

    private static void log(String message) {
        System.out.println("[suite] " + message);
        System.out.flush();
    }
}
