package dev.eventpublisher.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import dev.eventpublisher.Backpressure;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.PublishResult;
import dev.eventpublisher.WaitStrategyType;
import dev.eventpublisher.daemon.cli.SyntheticEvents;
import dev.eventpublisher.sender.DiscardingBatchSender;
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
 * Benchmark 1 (and 4 with {@code -prof gc}): the whole pipeline — ring, batcher, sender thread,
 * outcome accounting, futures — with a sender that acknowledges at once, against a raw Disruptor
 * hand-off (same producer type, same wait strategy, same ring size) to a no-op handler.
 * Thread counts come from the runner ({@code -t 1/2/4}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class CorePipelineBenchmark {
    static final String TOPIC = "bench";
    static final int RING_SIZE = 65_536;

    @Param({"PARKING"})
    public String waitStrategy;

    private EventPublisher publisher;
    private Disruptor<RawSlot> rawDisruptor;
    private RingBuffer<RawSlot> raw;
    byte[][] values;

    /** The raw baseline's ring entry: the same three references an event carries. */
    static final class RawSlot {
        String topic;
        byte[] key;
        byte[] value;
    }

    private static final EventTranslatorOneArg<RawSlot, byte[]> TRANSLATOR = (slot, sequence, value) -> {
        slot.topic = TOPIC;
        slot.key = null;
        slot.value = value;
    };


    @Setup(Level.Trial)
    public void setUp() {
        values = SyntheticEvents.pool(8192, 100);
        WaitStrategyType strategy = WaitStrategyType.valueOf(waitStrategy);
        publisher = EventPublisher.builder()
                .batchSender(new DiscardingBatchSender())
                .ringSize(RING_SIZE).waitStrategy(strategy)
                .backpressure(Backpressure.BLOCK).blockTimeout(Duration.ofMinutes(5))
                .build();
        rawDisruptor = new Disruptor<>(RawSlot::new, RING_SIZE, DaemonThreadFactory.INSTANCE, ProducerType.MULTI,
                strategy.create());
        EventHandler<RawSlot> consume = (slot, sequence, endOfBatch) -> {
            slot.topic = null;
            slot.value = null;
        };
        rawDisruptor.handleEventsWith(consume);
        raw = rawDisruptor.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        publisher.close(Duration.ofSeconds(30));
        rawDisruptor.shutdown();
    }

    /** What an application calls: publish and get a future of the outcome. */
    @Benchmark
    public CompletableFuture<PublishResult> pipeline(ValueCursor cursor) {
        return publisher.publish(TOPIC, null, cursor.value(values), null);
    }

    /** The baseline: claim, fill, publish a Disruptor slot; a no-op handler drains it. */
    @Benchmark
    public void rawDisruptor(ValueCursor cursor) {
        raw.publishEvent(TRANSLATOR, cursor.value(values));
    }
}
