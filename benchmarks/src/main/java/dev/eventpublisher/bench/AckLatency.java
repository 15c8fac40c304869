package dev.eventpublisher.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.eventpublisher.Backpressure;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.WaitStrategyType;
import dev.eventpublisher.daemon.cli.SyntheticEvents;
import dev.eventpublisher.journal.FsyncPolicy;
import dev.eventpublisher.journal.JournalConfig;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Latency from the moment an event is due to the moment Kafka acknowledged it, at a fixed offered load (open
 * loop: each event has a due time on a fixed schedule and is measured from it, so a stall also counts against
 * the events queued behind it), rate after rate up to saturation. The same driver runs the library's
 * {@code publish()} (its future completes on the acknowledgement) and the raw {@link KafkaProducer}'s
 * {@code send(record, callback)}, with the same producer settings, to the same broker, in the same run.
 */
final class AckLatency {
    /** What one curve measures. */
    enum Target {
        RAW_PRODUCER("raw KafkaProducer"),
        PUBLISHER("publisher, no journal"),
        PUBLISHER_BEFORE("publisher before #13 (backoff, linger 5)"),
        JOURNAL_NONE("publisher, journal fsync=none"),
        JOURNAL_INTERVAL("publisher, journal fsync=interval"),
        JOURNAL_BATCH("publisher, journal fsync=batch"),
        EXACTLY_ONCE_20MS("exactly-once, fsync=batch, commit every 20 ms"),
        EXACTLY_ONCE_100MS("exactly-once, fsync=batch, commit every 100 ms");

        /** The at-least-once curves of the latency suite (exactly-once has its own suite). */
        static List<Target> atLeastOnce() {
            return java.util.Arrays.stream(values()).filter(t -> t.commitInterval() == null).toList();
        }

        /** Exactly-once: the transaction's commit interval; null for at-least-once. */
        Duration commitInterval() {
            return this == EXACTLY_ONCE_20MS ? Duration.ofMillis(20) : this == EXACTLY_ONCE_100MS ? Duration.ofMillis(100) : null;
        }

        final String label;

        Target(String label) {
            this.label = label;
        }
    }

    /** One point of a curve: latencies in milliseconds; {@code achieved} is acknowledgements per second. */
    record Point(Target target, long offered, double achieved, long events, double p50, double p99, double p999,
                 double max) {
        boolean saturated() {
            return achieved < offered * 0.9 || p99 > 1000;
        }

        String line() {
            return String.format(Locale.ROOT, "%-34s offered %9d/s achieved %11.0f/s  p50 %8.3f ms  p99 %8.3f ms  p99.9 %8.3f ms",
                    target.label, offered, achieved, p50, p99, p999);
        }
    }

    private AckLatency() {
    }

    /** A curve: one point per rate, stopping after the first saturated one. */
    static List<Point> curve(KafkaFixture kafka, Target target, long[] rates, Duration warmup, Duration run) throws Exception {
        List<Point> points = new ArrayList<>();
        for (long rate : rates) {
            Point point = point(kafka, target, rate, warmup, run);
            System.out.println("[latency] " + point.line());
            points.add(point);
            if (point.saturated()) {
                break;
            }
        }
        return points;
    }

    /** One rate, on a new topic, with a new publisher or producer (and a new journal directory). */
    static Point point(KafkaFixture kafka, Target target, long rate, Duration warmup, Duration run) throws Exception {
        String topic = kafka.newTopic("ack-latency");
        byte[][] values = SyntheticEvents.pool(8192, 100);
        java.nio.file.Path journalDir = java.nio.file.Files.createTempDirectory("ack-latency-journal-");
        try (Sink sink = sink(kafka, target, journalDir)) {
            drive(sink, topic, values, rate, warmup, null, null);
            Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
            AtomicLong acked = new AtomicLong();
            long start = System.nanoTime();
            long events = drive(sink, topic, values, rate, run, recorder, acked);
            sink.awaitAll(Duration.ofSeconds(120));
            double seconds = (System.nanoTime() - start) / 1e9;
            Histogram h = recorder.getIntervalHistogram();
            return new Point(target, rate, acked.get() / seconds, events, h.getValueAtPercentile(50) / 1e6,
                    h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
        } finally {
            deleteTree(journalDir);
        }
    }

    /** Sends at {@code rate} for {@code duration}; each acknowledgement records (now - due) when a recorder is given. */
    private static long drive(Sink sink, String topic, byte[][] values, long rate, Duration duration, Recorder recorder,
                              AtomicLong acked) {
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long events = 0;
        for (long due = start; due < end; due += interval) {
            Pacing.awaitDue(due);
            sink.send(topic, values[(int) (events & (values.length - 1))], due, recorder, acked);
            events++;
        }
        return events;
    }

    private static Sink sink(KafkaFixture kafka, Target target, java.nio.file.Path journalDir) {
        Map<String, Object> props = latencyProducerProperties(kafka);
        if (target == Target.RAW_PRODUCER) {
            // As a careful team sending one record at a time would run it: nothing to linger for.
            props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            return new RawSink(new KafkaProducer<>(props));
        }
        props.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        props.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        if (target == Target.PUBLISHER_BEFORE) {
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        }
        var builder = EventPublisher.builder().producerProperties(props)
                .backpressure(Backpressure.BLOCK).blockTimeout(Duration.ofMinutes(5))
                .waitStrategy(target == Target.PUBLISHER_BEFORE ? WaitStrategyType.BACKOFF : WaitStrategyType.PARKING)
                .flushWhenIdle(target != Target.PUBLISHER_BEFORE);
        if (target != Target.PUBLISHER && target != Target.PUBLISHER_BEFORE) {
            FsyncPolicy policy = switch (target) {
                case JOURNAL_NONE -> FsyncPolicy.NONE;
                case JOURNAL_INTERVAL -> FsyncPolicy.INTERVAL;
                default -> FsyncPolicy.BATCH;
            };
            builder.journal(JournalConfig.at(journalDir).fsync(policy));
        }
        if (target.commitInterval() != null) {
            builder.exactlyOnce(dev.eventpublisher.sender.ExactlyOnceConfig.defaults().interval(target.commitInterval())
                    .offsetsTopic(kafka.newTopic("offsets")));
        }
        return new PublisherSink(builder.build());
    }

    /**
     * The producer settings both sides run with: the library's defaults (acks=all, idempotence, lz4, 128 KiB
     * batches; the raw producer with {@code linger.ms=0}), so the raw producer is what a careful team would
     * configure by hand.
     */
    static Map<String, Object> latencyProducerProperties(KafkaFixture kafka) {
        Map<String, Object> p = new HashMap<>(dev.eventpublisher.sender.KafkaBatchSender.defaultProducerProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private interface Sink extends AutoCloseable {
        void send(String topic, byte[] value, long due, Recorder recorder, AtomicLong acked);

        void awaitAll(Duration timeout) throws Exception;

        @Override
        void close();
    }

    private static final class RawSink implements Sink {
        private final KafkaProducer<byte[], byte[]> producer;

        RawSink(KafkaProducer<byte[], byte[]> producer) {
            this.producer = producer;
        }

        @Override
        public void send(String topic, byte[] value, long due, Recorder recorder, AtomicLong acked) {
            producer.send(new ProducerRecord<>(topic, value), (metadata, error) -> {
                if (recorder != null && error == null) {
                    recorder.recordValue(System.nanoTime() - due);
                    acked.incrementAndGet();
                }
            });
        }

        @Override
        public void awaitAll(Duration timeout) {
            producer.flush();
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(60));
        }
    }

    private static final class PublisherSink implements Sink {
        private final EventPublisher publisher;

        PublisherSink(EventPublisher publisher) {
            this.publisher = publisher;
        }

        @Override
        public void send(String topic, byte[] value, long due, Recorder recorder, AtomicLong acked) {
            publisher.publish(topic, null, value, null).whenComplete((result, error) -> {
                if (recorder != null && error == null) {
                    recorder.recordValue(System.nanoTime() - due);
                    acked.incrementAndGet();
                }
            });
        }

        @Override
        public void awaitAll(Duration timeout) throws Exception {
            publisher.forceFlush().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            publisher.close(Duration.ofSeconds(60));
        }
    }

    static void deleteTree(java.nio.file.Path dir) throws java.io.IOException {
        try (var paths = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(p);
            }
        }
    }

    /** {@code java -cp benchmarks.jar dev.eventpublisher.bench.AckLatency TARGET rate[,rate...] [seconds]}. */
    public static void main(String[] args) throws Exception {
        Target target = Target.valueOf(args[0]);
        long[] rates = java.util.Arrays.stream(args[1].split(",")).mapToLong(Long::parseLong).toArray();
        Duration run = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 5);
        try (KafkaFixture kafka = new KafkaFixture()) {
            curve(kafka, target, rates, Duration.ofSeconds(2), run);
        }
    }
}
