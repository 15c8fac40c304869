package dev.eventpublisher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.EventPublisherBuilder;
import dev.eventpublisher.PublishResult;
import dev.eventpublisher.daemon.cli.SyntheticEvents;
import dev.eventpublisher.journal.FsyncPolicy;
import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.sender.ExactlyOnceConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What exactly-once costs end to end: the pipeline with the journal ({@code fsync=batch}, the daemon's default)
 * to a real broker in this fork, at-least-once next to exactly-once (transactions every 100 ms, the default),
 * 100-byte values. Publishers use {@code BLOCK}: at saturation the score is what the slowest stage lets through.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class ExactlyOnceBenchmark {
    @Param({"at-least-once", "exactly-once"})
    public String delivery;

    /** Exactly-once: {@code publisher.transaction.interval} in milliseconds (the default 100). */
    @Param({"100"})
    public int intervalMillis;

    /** Exactly-once: {@code publisher.transaction.max-events} (the default 200,000). */
    @Param({"200000"})
    public int maxEvents;

    private KafkaFixture kafka;
    private EventPublisher publisher;
    private String topic;
    private Path dir;
    byte[][] values;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        values = SyntheticEvents.pool(8192, 100);
        kafka = new KafkaFixture();
        topic = kafka.newTopic("eos-" + delivery);
        dir = Files.createTempDirectory("bench-eos-");
        EventPublisherBuilder builder = kafka.saturatingPublisher()
                .journal(JournalConfig.at(dir).fsync(FsyncPolicy.BATCH));
        if (delivery.equals("exactly-once")) {
            builder.exactlyOnce(ExactlyOnceConfig.defaults().interval(Duration.ofMillis(intervalMillis)).maxEvents(maxEvents)
                    .offsetsTopic(kafka.newTopic("offsets")));
        }
        publisher = builder.build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        publisher.close(Duration.ofSeconds(60));
        kafka.close();
        AckLatency.deleteTree(dir);
    }

    @Benchmark
    public CompletableFuture<PublishResult> pipeline(ValueCursor cursor) {
        return publisher.publish(topic, null, cursor.value(values), null);
    }
}
