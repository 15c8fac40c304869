package dev.eventpublisher.bench;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.eventpublisher.daemon.cli.SyntheticEvents;
import org.HdrHistogram.Histogram;

/**
 * Head-of-line blocking, measured: {@code ?sync=true} single events to a topic that exists, one at a time over
 * one keep-alive connection, alone and then while another client fans out NDJSON to 2,000 topics that do not
 * exist yet (10 events each, new names each round; "while" lasts until the daemon has acknowledged the whole
 * fan-out). The raw producer's {@code send().get()} to the same topic is measured beside it, in 250 ms slices
 * alternating with the daemon's, alone and during the fan-out: it shows what Kafka creating 6,000 partitions does
 * to any producer on this 2-core machine, the daemon's own share being the rest. Goal: p99 while fanning out
 * within 2× of alone. The sender used to wait for each new topic's metadata on its own thread, and every sync
 * event behind it answered 207 timeout.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.eventpublisher.bench.NewTopicsLatency [seconds] [-Dpublisher.…]...</pre>
 */
final class NewTopicsLatency {
    static final int TOPICS = 2_000;
    static final int EVENTS_PER_TOPIC = 10;

    /**
     * Percentiles in ms of the daemon's sync events and of the raw producer's {@code send().get()} to the same topic
     * (the baseline: what the broker itself does to a lone producer while it creates topics), alone and while the
     * fan-out runs, and how many new topics the fan-out created while measured.
     */
    record Result(SyncLatency.Result alone, SyncLatency.Result fanningOut, SyncLatency.Result rawAlone,
                  SyncLatency.Result rawFanningOut, long topicsCreated, long fanOutEvents) {
        double p99Ratio() {
            return fanningOut.p99() / Math.max(1e-9, alone.p99());
        }

        double rawP99Ratio() {
            return rawFanningOut.p99() / Math.max(1e-9, rawAlone.p99());
        }
    }

    private NewTopicsLatency() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 && !args[0].startsWith("-") ? Integer.parseInt(args[0]) : 20;
        java.util.List<String> jvmArgs = java.util.Arrays.stream(args).filter(a -> a.startsWith("-")).toList();
        Result r = run(Path.of("publisher-daemon/target/publisherd/lib"), Path.of("config"), Duration.ofSeconds(seconds), jvmArgs);
        System.out.println(r.alone().line());
        System.out.println(r.fanningOut().line());
        System.out.println(r.rawAlone().line());
        System.out.println(r.rawFanningOut().line());
        System.out.printf(java.util.Locale.ROOT, "p99 ratio daemon %.2fx, raw producer %.2fx; %d new topics, %d fan-out events"
                + " while measured%n", r.p99Ratio(), r.rawP99Ratio(), r.topicsCreated(), r.fanOutEvents());
    }

    /** The daemon with default settings; {@code measured} split over alternating rounds of alone and fanning out. */
    static Result run(Path daemonLib, Path configDir, Duration measured) throws Exception {
        return run(daemonLib, configDir, measured, java.util.List.of());
    }

    /** {@link #run(Path, Path, Duration)} with the daemon's JVM options (e.g. {@code -Dpublisher.kafka.producer.…}). */
    static Result run(Path daemonLib, Path configDir, Duration measured, java.util.List<String> jvmArgs) throws Exception {
        try (RunningDaemon daemon = RunningDaemon.start(daemonLib, configDir, java.util.Map.of(), jvmArgs)) {
            URI uri = URI.create(daemon.baseUrl);
            byte[][] values = SyntheticEvents.pool(1024, 100);
            try (Socket socket = new Socket();
                 org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer = SyncLatency.rawProducer(daemon.kafkaBootstrap)) {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
                socket.setSoTimeout(60_000);
                SyncLatency.Call sync = SyncLatency.httpCall(socket, uri, "bench-existing", values);
                SyncLatency.Call raw = i -> producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                        "bench-existing", values[i & (values.length - 1)])).get();
                Duration warmup = Duration.ofSeconds(Math.max(2, measured.toSeconds() / 2));
                SyncLatency.runFor(sync, warmup, null);
                SyncLatency.runFor(raw, warmup, null);

                Histogram alone = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                Histogram fanning = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                Histogram rawAlone = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                Histogram rawFanning = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                int rounds = measured.toSeconds() >= 20 ? 3 : measured.toSeconds() >= 10 ? 2 : 1;
                Duration slice = Duration.ofMillis(250);
                Duration aloneRound = measured.dividedBy(2L * rounds);
                AtomicLong topics = new AtomicLong();
                AtomicLong events = new AtomicLong();
                for (int r = 0; r < rounds; r++) {
                    for (long end = System.nanoTime() + aloneRound.toNanos(); System.nanoTime() < end; ) {
                        SyncLatency.runFor(sync, slice, alone);
                        SyncLatency.runFor(raw, slice, rawAlone);
                    }
                    // One fan-out to 2,000 topics nobody has used, measured until the daemon has acknowledged it all.
                    long target = daemon.counter("events.acknowledged") + TOPICS * EVENTS_PER_TOPIC;
                    int generation = r;
                    Thread fanOut = new Thread(() -> fanOut(daemon.baseUrl, generation, topics, events), "fan-out");
                    fanOut.start();
                    long cap = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                    while ((fanOut.isAlive() || daemon.counter("events.acknowledged") < target) && System.nanoTime() < cap) {
                        SyncLatency.runFor(sync, slice, fanning);
                        SyncLatency.runFor(raw, slice, rawFanning);
                    }
                    fanOut.join(TimeUnit.MINUTES.toMillis(1));
                }
                return new Result(SyncLatency.result("sync, existing topic, alone", alone),
                        SyncLatency.result("sync, while 2,000 new topics", fanning),
                        SyncLatency.result("raw send().get(), alone", rawAlone),
                        SyncLatency.result("raw send().get(), while new topics", rawFanning), topics.get(), events.get());
            }
        }
    }

    /** NDJSON to 2,000 new topics (4 requests of 5,000 events, 10 per topic), named for this run and round. */
    private static void fanOut(String baseUrl, int generation, AtomicLong topics, AtomicLong events) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String run = Long.toString(System.nanoTime(), 36);
        int per = TOPICS * EVENTS_PER_TOPIC / 4;
        for (int part = 0; part < 4; part++) {
            StringBuilder body = new StringBuilder();
            for (int i = part * per; i < (part + 1) * per; i++) {
                body.append("{\"topic\":\"fan-").append(run).append('-').append(generation).append('-')
                        .append(i % TOPICS).append("\",\"value\":{\"i\":").append(i).append("}}\n");
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/events"))
                        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/x-ndjson")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() != 202) {
                    throw new IllegalStateException("fan-out request answered " + r.statusCode());
                }
                events.addAndGet(per);
            } catch (Exception e) {
                throw new IllegalStateException("fan-out request failed: " + e, e);
            }
        }
        topics.addAndGet(TOPICS);
    }
}
