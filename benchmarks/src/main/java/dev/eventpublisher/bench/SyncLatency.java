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
 */
final class SyncLatency {
    /** Percentiles in milliseconds. */
    record Result(String what, long requests, double p50, double p99, double p999, double max) {
        String line() {
            return String.format(java.util.Locale.ROOT, "%-34s %8d requests  p50 %7.3f ms  p99 %7.3f ms  p99.9 %7.3f ms  max %7.3f ms",
                    what, requests, p50, p99, p999, max);
        }
    }

    private SyncLatency() {
    }

    /**
     * {@code java -cp benchmarks/target/benchmarks.jar dev.eventpublisher.bench.SyncLatency [seconds] [-Dpublisher.…]...}:
     * the daemon (packaged, embedded broker, default settings plus the given overrides) against the raw producer.
     */
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 && !args[0].startsWith("-") ? Integer.parseInt(args[0]) : 10;
        java.util.List<String> jvmArgs = java.util.Arrays.stream(args).filter(a -> a.startsWith("-")).toList();
        try (RunningDaemon daemon = RunningDaemon.start(java.nio.file.Path.of("publisher-daemon/target/publisherd/lib"),
                java.nio.file.Path.of("config"), Map.of(), jvmArgs)) {
            Duration warmup = Duration.ofSeconds(Math.max(2, seconds / 2));
            Duration run = Duration.ofSeconds(seconds);
            System.out.println(http("daemon ?sync=true " + jvmArgs, daemon.baseUrl, "bench-single", warmup, run).line());
            System.out.println(raw("raw send().get()", daemon.kafkaBootstrap, "bench-single", warmup, run).line());
        }
    }

    /** Closed loop over one connection: the next request goes out when the previous answer is in. */
    static Result http(String what, String baseUrl, String topic, Duration warmup, Duration duration) throws Exception {
        URI uri = URI.create(baseUrl);
        byte[][] values = SyntheticEvents.pool(1024, 100);
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            socket.setSoTimeout(60_000);
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
            return closedLoop(what, warmup, duration, i -> {
                out.write(requests[i & (requests.length - 1)]);
                out.flush();
                int status = readResponse(in);
                if (status != 200) {
                    throw new IllegalStateException("sync publish answered " + status);
                }
            });
        }
    }

    /** {@code send().get()} one record after another, with the settings a synchronous sender would use. */
    static Result raw(String what, String bootstrap, String topic, Duration warmup, Duration duration) throws Exception {
        byte[][] values = SyntheticEvents.pool(1024, 100);
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "0",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            return closedLoop(what, warmup, duration,
                    i -> producer.send(new ProducerRecord<>(topic, values[i & (values.length - 1)])).get());
        }
    }

    /** One synchronous call of the loop; {@code i} counts calls. */
    private interface Call {
        void run(int i) throws Exception;
    }

    /** Calls back to back for warm-up + duration, timing each call made after the warm-up. */
    private static Result closedLoop(String what, Duration warmup, Duration duration, Call call) throws Exception {
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long measureFrom = System.nanoTime() + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        for (int i = 0; ; i++) {
            long before = System.nanoTime();
            if (before >= end) {
                break;
            }
            call.run(i);
            if (before >= measureFrom) {
                histogram.recordValue(System.nanoTime() - before);
            }
        }
        return result(what, histogram);
    }

    private static Result result(String what, Histogram h) {
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
