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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.eventpublisher.daemon.cli.SyntheticEvents;
import org.HdrHistogram.Histogram;

/**
 * Head-of-line blocking, measured: {@code ?sync=true} single events to a topic that exists, one at a time over
 * one keep-alive connection, alone and then while another client fans out NDJSON to 2,000 topics that do not
 * exist yet (10 events each, new topic names every round, so Kafka keeps creating topics throughout). Alone and
 * fanning out alternate in rounds, so a noisy spell of the machine falls on both. Goal: p99 while fanning out
 * within 2× of alone. The sender used to wait for each new topic's metadata on its own thread, and every sync
 * event behind it answered 207 timeout.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.eventpublisher.bench.NewTopicsLatency [seconds]</pre>
 */
final class NewTopicsLatency {
    static final int TOPICS = 2_000;
    static final int EVENTS_PER_TOPIC = 10;

    /** Percentiles in ms of both sides, and how many new topics the fan-out created while measured. */
    record Result(SyncLatency.Result alone, SyncLatency.Result fanningOut, long topicsCreated, long fanOutEvents) {
        double p99Ratio() {
            return fanningOut.p99() / Math.max(1e-9, alone.p99());
        }
    }

    private NewTopicsLatency() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Result r = run(Path.of("publisher-daemon/target/publisherd/lib"), Path.of("config"), Duration.ofSeconds(seconds));
        System.out.println(r.alone().line());
        System.out.println(r.fanningOut().line());
        System.out.printf(java.util.Locale.ROOT, "p99 ratio %.2fx; %d new topics, %d fan-out events while measured%n",
                r.p99Ratio(), r.topicsCreated(), r.fanOutEvents());
    }

    /** The daemon with default settings; {@code measured} split over alternating rounds of alone and fanning out. */
    static Result run(Path daemonLib, Path configDir, Duration measured) throws Exception {
        try (RunningDaemon daemon = RunningDaemon.start(daemonLib, configDir)) {
            URI uri = URI.create(daemon.baseUrl);
            byte[][] values = SyntheticEvents.pool(1024, 100);
            try (Socket socket = new Socket()) {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
                socket.setSoTimeout(60_000);
                SyncLatency.Call sync = SyncLatency.httpCall(socket, uri, "bench-existing", values);
                SyncLatency.runFor(sync, Duration.ofSeconds(Math.max(2, measured.toSeconds() / 2)), null); // warm-up

                Histogram alone = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                Histogram fanning = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                int rounds = (int) Math.max(1, measured.toSeconds() / 4);
                Duration round = measured.dividedBy(2L * rounds);
                AtomicLong topics = new AtomicLong();
                AtomicLong events = new AtomicLong();
                for (int r = 0; r < rounds; r++) {
                    SyncLatency.runFor(sync, round, alone);
                    AtomicBoolean stop = new AtomicBoolean();
                    Thread fanOut = new Thread(() -> fanOut(daemon.baseUrl, stop, topics, events), "fan-out");
                    fanOut.start();
                    SyncLatency.runFor(sync, round, fanning);
                    stop.set(true);
                    fanOut.join(TimeUnit.MINUTES.toMillis(2));
                }
                return new Result(SyncLatency.result("sync, existing topic, alone", alone),
                        SyncLatency.result("sync, while 2,000 new topics", fanning), topics.get(), events.get());
            }
        }
    }

    /** NDJSON to 2,000 new topics at a time (4 requests of 5,000 events), new names each time, until stopped. */
    private static void fanOut(String baseUrl, AtomicBoolean stop, AtomicLong topics, AtomicLong events) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String run = Long.toString(System.nanoTime(), 36);
        for (int generation = 0; !stop.get(); generation++) {
            int parts = 0;
            for (int part = 0; part < 4 && !stop.get(); part++, parts++) {
                StringBuilder body = new StringBuilder();
                int per = TOPICS * EVENTS_PER_TOPIC / 4;
                for (int i = part * per; i < (part + 1) * per; i++) {
                    body.append("{\"topic\":\"fan-").append(run).append('-').append(generation).append('-')
                            .append(i % TOPICS).append("\",\"value\":{\"i\":").append(i).append("}}\n");
                }
                try {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/events"))
                            .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/x-ndjson")
                            .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 202) {
                        events.addAndGet(per);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("fan-out request failed: " + e, e);
                }
            }
            topics.addAndGet(parts * (TOPICS / 4)); // each part names a quarter of the generation's topics first
        }
    }
}
