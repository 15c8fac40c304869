package dev.eventpublisher.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.Backpressure;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.PublishResult;
import dev.eventpublisher.WaitStrategyType;
import dev.eventpublisher.daemon.cli.SyntheticEvents;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
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
 * Benchmark 2: to a real broker started in this fork (in-process KRaft, 3 partitions), 100-byte
 * values from a pool of 8,192 distinct JSON events. The pipeline ({@code publish} with a future per
 * event) against the raw {@link KafkaProducer} in a tight {@code send()} loop with identical producer
 * properties, and against the seed's "before": one synchronous {@code send().get()} per message (same
 * properties but {@code linger.ms=0}: a synchronous sender has nothing to linger for).
 *
 * <p>Scores count calls that returned. Both the pipeline (ring) and the producer (buffer.memory) can
 * hold events that are not yet acknowledged when an iteration ends; that backlog is bounded (65,536
 * ring slots; 32 MiB of records) and small against a 5 s iteration, and both sides have one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class EndToEndBenchmark {
    @Param({"PARKING"})
    public String waitStrategy;

    @Param({"FLUSH_ALL"})
    public String endOfBatch;

    /**
     * The pipeline's {@code linger.ms}: "fixture" keeps the raw producer's 10 ms (same settings on both sides);
     * a number overrides it, e.g. to compare the library's defaults before (5) and after (0) issue 13.
     */
    @Param({"fixture"})
    public String pipelineLingerMs;

    /** The pipeline's {@code compression.type}: "fixture" keeps the raw producer's lz4. */
    @Param({"fixture"})
    public String pipelineCompression;

    /** The pipeline's {@code max.in.flight.requests.per.connection}: "fixture" keeps the raw producer's 5. */
    @Param({"fixture"})
    public String pipelineMaxInFlight;

    /** Whether the pipeline has Kafka send what it holds when it runs dry (the default since issue 13). */
    @Param({"true"})
    public boolean pipelineFlushWhenIdle;

    private KafkaFixture kafka;
    private EventPublisher publisher;
    private KafkaProducer<byte[], byte[]> producer;
    /** The "before": a producer as a synchronous sender would configure it (no linger: nothing to batch). */
    private KafkaProducer<byte[], byte[]> syncProducer;
    private String pipelineTopic;
    private String rawTopic;
    byte[][] values;


    @Setup(Level.Trial)
    public void setUp() {
        values = SyntheticEvents.pool(8192, 100);
        kafka = new KafkaFixture();
        pipelineTopic = kafka.newTopic("e2e-pipeline");
        rawTopic = kafka.newTopic("e2e-raw");
        Map<String, Object> props = kafka.producerProperties();
        producer = new KafkaProducer<>(props);
        Map<String, Object> syncProps = new HashMap<>(props);
        syncProps.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        syncProducer = new KafkaProducer<>(syncProps);
        Map<String, Object> pipelineProps = new HashMap<>(props);
        pipelineProps.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        pipelineProps.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        if (!"fixture".equals(pipelineLingerMs)) {
            pipelineProps.put(ProducerConfig.LINGER_MS_CONFIG, pipelineLingerMs);
        }
        if (!"fixture".equals(pipelineMaxInFlight)) {
            pipelineProps.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, pipelineMaxInFlight);
        }
        if (!"fixture".equals(pipelineCompression)) {
            pipelineProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, pipelineCompression);
        }
        publisher = EventPublisher.builder()
                .producerProperties(pipelineProps)
                .backpressure(Backpressure.BLOCK).blockTimeout(Duration.ofMinutes(5))
                .waitStrategy(WaitStrategyType.valueOf(waitStrategy))
                .flushWhenIdle(pipelineFlushWhenIdle)
                .endOfBatchPolicy(dev.eventpublisher.EndOfBatchPolicy.valueOf(endOfBatch))
                .build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        publisher.close(Duration.ofSeconds(60));
        producer.close(Duration.ofSeconds(60));
        syncProducer.close(Duration.ofSeconds(60));
        kafka.close();
    }

    @Benchmark
    public CompletableFuture<PublishResult> pipeline(ValueCursor cursor) {
        return publisher.publish(pipelineTopic, null, cursor.value(values), null);
    }

    @Benchmark
    public Future<RecordMetadata> rawProducer(ValueCursor cursor) {
        return producer.send(new ProducerRecord<>(rawTopic, cursor.value(values)));
    }

    @Benchmark
    public RecordMetadata syncPerMessage(ValueCursor cursor) throws ExecutionException, InterruptedException {
        return syncProducer.send(new ProducerRecord<>(rawTopic, cursor.value(values))).get();
    }
}
