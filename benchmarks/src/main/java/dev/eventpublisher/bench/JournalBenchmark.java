package dev.eventpublisher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.EventPublisherBuilder;
import dev.eventpublisher.PublishResult;
import dev.eventpublisher.daemon.cli.SyntheticEvents;
import dev.eventpublisher.journal.FsyncPolicy;
import dev.eventpublisher.journal.JournalConfig;
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
 * The journal's cost end to end: the pipeline to a real broker in this fork (as {@link EndToEndBenchmark},
 * 100-byte values) with the journal off and with each fsync policy, the journal in a temporary directory
 * on this machine's disk. Publishers use {@code BLOCK}, so at saturation the score is the rate the slowest
 * stage — the journal's group commits included — lets through.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class JournalBenchmark {
    @Param({"off", "none", "interval", "batch"})
    public String journal;

    private KafkaFixture kafka;
    private EventPublisher publisher;
    private String topic;
    private Path dir;
    byte[][] values;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        values = SyntheticEvents.pool(8192, 100);
        kafka = new KafkaFixture();
        topic = kafka.newTopic("journal-" + journal);
        EventPublisherBuilder builder = kafka.saturatingPublisher();
        if (!journal.equals("off")) {
            dir = Files.createTempDirectory("bench-journal-");
            builder.journal(JournalConfig.at(dir).fsync(FsyncPolicy.valueOf(journal.toUpperCase(Locale.ROOT))));
        }
        publisher = builder.build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        publisher.close(Duration.ofSeconds(60));
        kafka.close();
        if (dir != null) {
            AckLatency.deleteTree(dir);
        }
    }

    @Benchmark
    public CompletableFuture<PublishResult> pipeline(ValueCursor cursor) {
        return publisher.publish(topic, null, cursor.value(values), null);
    }
}
