package dev.eventpublisher.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.daemon.cli.SyntheticEvents;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One caller, one event at a time, each waiting for Kafka's acknowledgement: the daemon over one keep-alive
 * HTTP/1.1 connection ({@code POST /v1/events/{topic}?sync=true}, answered 200 once Kafka acknowledged) and
 * the raw {@link KafkaProducer} ({@code send().get()}, acks=all, idempotent, {@code linger.ms=0}) against the
 * same broker in the same run. The HTTP client is a plain socket writing a fixed request and reading the
 * answer by its Content-Length, so it adds microseconds, not the milliseconds being measured.
 *
 * <p>How it is fair on a shared 2-core machine: both are warmed up, and the daemon until its JIT compilers
 * have gone quiet (a freshly started daemon with its embedded broker compiles for tens of seconds, and a
 * compiler thread holding one of two cores puts a millisecond tail on every hand-off of a request); then
 * the two are measured in alternating rounds, so a noisy spell of the machine falls on both.
 */
final class SyncLatency {
    /** Percentiles in milliseconds. */
    record Result(String what, long requests, double p50, double p99, double p999, double max) {
        String line() {
            return String.format(java.util.Locale.ROOT, "%-34s %8d requests  p50 %7.3f ms  p99 %7.3f ms  p99.9 %7.3f ms  max %7.3f ms",
                    what, requests, p50, p99, p999, max);
        }
    }

    /**
     * Both sides of one comparison. {@code warmupSeconds}: how long the daemon was warmed up (until its JIT was
     * quiet, or the cap); {@code compilerPercent}: the daemon's JIT compiler threads' CPU, % of one core, while measured.
     */
    record Comparison(Result daemon, Result raw, double warmupSeconds, double compilerPercent) {
    }

    /** The daemon's JIT counts as quiet below this much of one core over {@link #QUIET_WINDOW}. */
    private static final double QUIET_COMPILER_PERCENT = 5.0;
    private static final Duration QUIET_WINDOW = Duration.ofSeconds(2);

    private SyncLatency() {
    }

    /**
     * {@code java -cp benchmarks/target/benchmarks.jar dev.eventpublisher.bench.SyncLatency [seconds] [-Dpublisher.…]...}:
     * the daemon (packaged, embedded broker, default settings plus the given overrides) against the raw producer,
     * each measured for about {@code seconds} in alternating rounds.
     */
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 && !args[0].startsWith("-") ? Integer.parseInt(args[0]) : 10;
        java.util.List<String> jvmArgs = java.util.Arrays.stream(args).filter(a -> a.startsWith("-")).toList();
        try (RunningDaemon daemon = RunningDaemon.start(java.nio.file.Path.of("publisher-daemon/target/publisherd/lib"),
                java.nio.file.Path.of("config"), Map.of(), jvmArgs)) {
            int rounds = Math.max(1, seconds / 2);
            Comparison c = compare(daemon, "bench-single", Duration.ofSeconds(Math.max(2, seconds / 2)), rounds,
                    Duration.ofMillis(seconds * 1000L / rounds));
            System.out.println(c.daemon().line());
            System.out.println(c.raw().line());
            System.out.printf(java.util.Locale.ROOT, "daemon warmed up %.0f s; its JIT compilers used %.1f %% of a core while measured%n",
                    c.warmupSeconds(), c.compilerPercent());
        }
    }

    /**
     * The daemon's {@code ?sync=true} over one connection against raw {@code send().get()} on its broker: each
     * warmed up for at least {@code warmup} (the daemon up to 6× that, until its JIT is quiet), then measured
     * in {@code rounds} alternating rounds of {@code round} each.
     */
    static Comparison compare(RunningDaemon daemon, String topic, Duration warmup, int rounds, Duration round) throws Exception {
        URI uri = URI.create(daemon.baseUrl);
        byte[][] values = SyntheticEvents.pool(1024, 100);
        try (Socket socket = new Socket(); KafkaProducer<byte[], byte[]> producer = rawProducer(daemon.kafkaBootstrap)) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            socket.setSoTimeout(60_000);
            Call http = httpCall(socket, uri, topic, values);
            Call raw = i -> producer.send(new ProducerRecord<>(topic, values[i & (values.length - 1)])).get();

            long warmStart = System.nanoTime();
            runFor(raw, warmup, null);
            runFor(http, warmup, null);
            long compiler = compilerNanos(daemon);
            for (long cap = warmStart + warmup.toNanos() * 6; System.nanoTime() < cap; ) {
                long t0 = System.nanoTime();
                runFor(http, QUIET_WINDOW, null);
                long used = compilerNanos(daemon);
                double percent = (used - compiler) * 100.0 / (System.nanoTime() - t0);
                compiler = used;
                if (percent < QUIET_COMPILER_PERCENT) {
                    break;
                }
            }
            double warmed = (System.nanoTime() - warmStart) / 1e9;

            Histogram daemonHistogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            Histogram rawHistogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            long compilerBefore = compilerNanos(daemon);
            long daemonNanos = 0;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                runFor(http, round, daemonHistogram);
                daemonNanos += System.nanoTime() - t0;
                runFor(raw, round, rawHistogram);
            }
            long compilerAfter = compilerNanos(daemon);
            return new Comparison(result("daemon ?sync=true", daemonHistogram), result("raw send().get()", rawHistogram),
                    warmed, (compilerAfter - compilerBefore) * 100.0 / Math.max(1, daemonNanos));
        }
    }

    /** CPU time of the daemon's JIT compiler threads so far; 0 where /proc cannot tell. */
    private static long compilerNanos(RunningDaemon daemon) throws java.io.IOException {
        return IdleCpu.supported() ? IdleCpu.threadNanos(daemon.pid(), name -> name.contains("CompilerThre")) : 0;
    }

    static KafkaProducer<byte[], byte[]> rawProducer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "0",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
    }

    /** One {@code ?sync=true} request per call on the keep-alive connection, answered 200 or an exception. */
    static Call httpCall(Socket socket, URI uri, String topic, byte[][] values) throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = new BufferedInputStream(socket.getInputStream(), 16384);
        byte[][] requests = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            String head = "POST /v1/events/" + topic + "?sync=true HTTP/1.1\r\nHost: " + uri.getHost() + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + values[i].length + "\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            requests[i] = new byte[h.length + values[i].length];
            System.arraycopy(h, 0, requests[i], 0, h.length);
            System.arraycopy(values[i], 0, requests[i], h.length, values[i].length);
        }
        return i -> {
            out.write(requests[i & (requests.length - 1)]);
            out.flush();
            int status = readResponse(in);
            if (status != 200) {
                throw new IllegalStateException("sync publish answered " + status);
            }
        };
    }

    /** One synchronous call of the loop; {@code i} counts calls. */
    interface Call {
        void run(int i) throws Exception;
    }

    /** Calls back to back for {@code duration}, each timed into {@code histogram} unless it is null (warm-up). */
    static void runFor(Call call, Duration duration, Histogram histogram) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        for (int i = 0; ; i++) {
            long before = System.nanoTime();
            if (before >= end) {
                return;
            }
            call.run(i);
            if (histogram != null) {
                histogram.recordValue(System.nanoTime() - before);
            }
        }
    }

    static Result result(String what, Histogram h) {
        return new Result(what, h.getTotalCount(), h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
    }

    /** Reads one HTTP/1.1 response (status line, headers, a Content-Length body) and returns its status. */
    private static int readResponse(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int status = -1;
        int contentLength = 0;
        while (true) {
            line.setLength(0);
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed by the daemon");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            if (line.length() == 0) {
                break;
            }
            if (status < 0) {
                status = Integer.parseInt(line.substring(9, 12));
            } else if (line.toString().regionMatches(true, 0, "content-length:", 0, 15)) {
                contentLength = Integer.parseInt(line.substring(15).trim());
            }
        }
        for (int remaining = contentLength; remaining > 0; ) {
            long skipped = in.skip(remaining);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed in the body");
                }
                skipped = 1;
            }
            remaining -= (int) skipped;
        }
        return status;
    }
}
