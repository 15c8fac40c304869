package dev.eventpublisher.daemon.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import dev.eventpublisher.Backpressure;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.OutcomeReport;
import dev.eventpublisher.PublishRejectedException;
import dev.eventpublisher.daemon.config.DaemonSettings;
import dev.eventpublisher.kafka.embedded.EmbeddedKafkaBroker;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code publisherd load}: publish synthetic JSON events through the library at a target rate (or
 * flat out) and show a live line: rate, acknowledged, failed, refused, p99 publish→ack latency. With
 * {@code --http URL} it drives a daemon's HTTP API instead ({@link HttpLoadRun}).
 */
@Command(name = "load", description = "Generate synthetic events at a target rate (or flat out) with a live progress line.")
public final class LoadCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--topic", defaultValue = "load-test", description = "Topic to publish to (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "EVENTS_PER_S",
            description = "Target events per second across all threads; 0 = flat out (default).")
    long rate;

    @Option(names = "--duration", defaultValue = "10s", paramLabel = "DURATION",
            description = "How long to publish, e.g. 30s or 5m (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--events", defaultValue = "0", paramLabel = "N", description = "Stop after N events (0: no limit).")
    long events;

    @Option(names = "--threads", defaultValue = "1", description = "Publishing threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--size", defaultValue = "100", paramLabel = "BYTES",
            description = "Approximate size of each JSON value (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--backpressure", defaultValue = "BLOCK", paramLabel = "block|reject|drop",
            description = "What a full ring does to the load threads (default: block, so flat out measures throughput; "
                    + "reject/drop count refusals).", converter = BackpressureConverter.class)
    Backpressure backpressure;

    @Option(names = "--embedded", description = "Start an in-process Kafka broker for this run instead of using the configured one.")
    boolean embedded;

    @Option(names = "--journal-dir", paramLabel = "DIR", description = "Journal the load's events in DIR with the "
            + "configured journal settings (fsync policy, sizes); default: no journal (never the daemon's own).")
    java.nio.file.Path journalDir;

    @Option(names = "--http", paramLabel = "URL", description = "Drive a daemon's (or a load balancer's) HTTP API at URL, "
            + "e.g. http://127.0.0.1:8080: NDJSON batches over keep-alive connections, 503s and broken connections retried "
            + "with the same Idempotency-Key.")
    URI http;

    @Option(names = "--batch", defaultValue = "100", paramLabel = "N", description = "With --http: events per request (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--token", paramLabel = "TOKEN", description = "With --http: bearer token (default: $PUBLISHER_HTTP_TOKEN).")
    String token;

    @Spec
    CommandSpec spec;

    private final LongAdder refused = new LongAdder();
    private final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (threads < 1 || threads > 256 || size < 10 || size > 1_000_000 || rate < 0 || events < 0 || duration.isNegative()) {
            spec.commandLine().getErr().println("publisherd load: invalid options: threads 1..256, size 10..1000000, "
                    + "rate >= 0, events >= 0, duration >= 0");
            return 2;
        }
        if (http != null) {
            if (batch < 1 || batch > 100_000 || embedded || journalDir != null) {
                spec.commandLine().getErr().println("publisherd load --http: --batch must be 1..100000; --embedded and "
                        + "--journal-dir do not apply");
                return 2;
            }
            String bearer = token != null ? token : System.getenv().getOrDefault("PUBLISHER_HTTP_TOKEN", "");
            URI events = URI.create(http.toString().replaceAll("/+$", "") + "/v1/events");
            return new HttpLoadRun(new HttpLoadRun.Plan(events, topic, bearer, rate, duration, this.events, threads, batch, size))
                    .run(out);
        }
        DaemonSettings settings = config.settings();
        EmbeddedKafkaBroker broker = embedded ? EmbeddedKafkaBroker.builder().build().start() : null;
        String bootstrap = broker != null ? broker.bootstrapServers()
                : settings.clientBootstrapServers();
        out.println("load: " + threads + " thread(s) → topic " + topic + " on " + bootstrap + ", "
                + (rate == 0 ? "flat out" : rate + " events/s") + ", " + duration.toSeconds() + " s"
                + (events > 0 ? " or " + events + " events" : ""));
        out.flush();
        byte[][] values = SyntheticEvents.pool(8192, size);
        dev.eventpublisher.journal.JournalConfig journal = journalDir == null ? null
                : (settings.journal() != null ? settings.journal() : dev.eventpublisher.journal.JournalConfig.at(journalDir))
                        .withDir(journalDir);
        try (EventPublisher publisher = settings.publisherBuilder(bootstrap).journal(journal)
                .exactlyOnce(journal == null ? null : settings.exactlyOnce())
                .backpressure(backpressure).blockTimeout(Duration.ofSeconds(10)).build()) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> workers = new ArrayList<>();
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int index = t;
                Thread worker = new Thread(() -> publishLoop(publisher, values, index, start, stop), "load-" + t);
                worker.start();
                workers.add(worker);
            }
            Histogram interval = null;
            Histogram total = new Histogram(TimeUnit.SECONDS.toNanos(60), 3); // the summary covers the whole run
            long deadline = start + duration.toNanos();
            long lastAcked = 0;
            long lastNanos = start;
            while (workers.stream().anyMatch(Thread::isAlive)) {
                workers.get(0).join(1000);
                long now = System.nanoTime();
                if (now >= deadline) {
                    stop.set(true);
                }
                OutcomeReport r = publisher.outcomes();
                interval = latency.getIntervalHistogram(interval);
                total.add(interval);
                double perSecond = (r.acknowledged() - lastAcked) * 1e9 / Math.max(1, now - lastNanos);
                lastAcked = r.acknowledged();
                lastNanos = now;
                out.printf(Locale.ROOT, "\rt=%3ds rate=%,10.0f/s acked=%,12d failed=%,d refused=%,d p99=%s   ",
                        TimeUnit.NANOSECONDS.toSeconds(now - start), perSecond, r.acknowledged(), r.failed(),
                        refused.sum(), millis(interval.getValueAtPercentile(99)));
                out.flush();
            }
            publisher.forceFlush().get(60, TimeUnit.SECONDS);
            long elapsed = System.nanoTime() - start;
            OutcomeReport r = publisher.outcomes();
            total.add(latency.getIntervalHistogram());
            out.println();
            out.printf(Locale.ROOT, "summary: %,d acknowledged in %.1f s = %,.0f events/s; failed %,d %s; refused %,d; "
                            + "latency publish→ack p50=%s p99=%s p99.9=%s max=%s%n",
                    r.acknowledged(), elapsed / 1e9, r.acknowledged() * 1e9 / elapsed, r.failed(), r.failedByReason(),
                    refused.sum(), millis(total.getValueAtPercentile(50)), millis(total.getValueAtPercentile(99)),
                    millis(total.getValueAtPercentile(99.9)), millis(total.getMaxValue()));
            out.flush();
            return r.failed() == 0 ? 0 : 1;
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    private void publishLoop(EventPublisher publisher, byte[][] values, int thread, long start, AtomicBoolean stop) {
        long perThreadRate = rate / threads;
        long perThreadLimit = events == 0 ? Long.MAX_VALUE : events / threads + (thread < events % threads ? 1 : 0);
        long intervalNanos = perThreadRate == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / Math.max(1, perThreadRate);
        byte[] key = ("load-" + thread).getBytes(StandardCharsets.UTF_8);
        for (long i = 0; i < perThreadLimit && !stop.get(); i++) {
            if (intervalNanos > 0) {
                long due = start + i * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            long sent = System.nanoTime();
            try {
                publisher.publish(topic, key, values[(int) ((i * 31 + thread) % values.length)], null)
                        .whenComplete((result, error) -> {
                            if (error == null) {
                                latency.recordValue(Math.min(System.nanoTime() - sent, TimeUnit.SECONDS.toNanos(60)));
                            }
                        });
            } catch (PublishRejectedException e) {
                refused.increment();
            }
        }
    }

    static final class BackpressureConverter implements picocli.CommandLine.ITypeConverter<Backpressure> {
        @Override
        public Backpressure convert(String value) {
            return Backpressure.valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.2fms", nanos / 1e6);
    }
}
