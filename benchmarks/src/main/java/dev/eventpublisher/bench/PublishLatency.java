package dev.eventpublisher.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.Backpressure;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.daemon.cli.SyntheticEvents;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 3: how long a caller spends inside {@code publish()}, at a fixed rate well below
 * saturation, with the real Kafka sender behind the ring. Every call is timed with
 * {@code System.nanoTime()} into an HdrHistogram (JMH's SampleTime would time back-to-back calls, i.e.
 * saturation). Calls are paced by their schedule, not by the previous call's end, so a slow call is
 * not hidden by skipping the calls that should have followed it.
 */
final class PublishLatency {
    /** One measurement: percentiles of the time spent in publish(), in nanoseconds. */
    record Result(long rate, long calls, long p50, long p99, long p999, long max) {
    }

    private PublishLatency() {
    }

    static Result measure(long eventsPerSecond, Duration warmup, Duration measurement) {
        return measure(eventsPerSecond, warmup, measurement, dev.eventpublisher.WaitStrategyType.PARKING);
    }

    static Result measure(long eventsPerSecond, Duration warmup, Duration measurement,
                          dev.eventpublisher.WaitStrategyType waitStrategy) {
        byte[][] values = SyntheticEvents.pool(8192, 100);
        try (KafkaFixture kafka = new KafkaFixture()) {
            String topic = kafka.newTopic("latency");
            var props = new java.util.HashMap<>(kafka.producerProperties());
            props.remove("key.serializer");
            props.remove("value.serializer");
            try (EventPublisher publisher = EventPublisher.builder().producerProperties(props)
                    .backpressure(Backpressure.BLOCK).blockTimeout(Duration.ofSeconds(30))
                    .waitStrategy(waitStrategy).build()) {
                run(publisher, topic, values, eventsPerSecond, warmup, null);
                Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
                long calls = run(publisher, topic, values, eventsPerSecond, measurement, histogram);
                return new Result(eventsPerSecond, calls, histogram.getValueAtPercentile(50),
                        histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
            }
        }
    }

    /** {@code java -cp benchmarks.jar dev.eventpublisher.bench.PublishLatency [rate] [seconds] [waitStrategy]}. */
    public static void main(String[] args) {
        long rate = args.length > 0 ? Long.parseLong(args[0]) : 20_000;
        Duration run = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 10);
        dev.eventpublisher.WaitStrategyType strategy = args.length > 2
                ? dev.eventpublisher.WaitStrategyType.valueOf(args[2]) : dev.eventpublisher.WaitStrategyType.PARKING;
        System.out.println(strategy + " " + measure(rate, run, run, strategy));
    }

    private static long run(EventPublisher publisher, String topic, byte[][] values, long rate, Duration duration,
                            Histogram histogram) {
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long calls = 0;
        for (long due = start; due < end; due += interval) {
            Pacing.awaitDue(due);
            long before = System.nanoTime();
            publisher.publish(topic, null, values[(int) (calls & (values.length - 1))], null);
            long took = System.nanoTime() - before;
            if (histogram != null) {
                histogram.recordValue(Math.min(took, histogram.getHighestTrackableValue()));
            }
            calls++;
        }
        return calls;
    }
}
