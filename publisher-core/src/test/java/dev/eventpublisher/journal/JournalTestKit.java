package dev.eventpublisher.journal;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import dev.eventpublisher.Backpressure;
import dev.eventpublisher.EndOfBatchPolicy;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.EventPublisherBuilder;
import dev.eventpublisher.sender.BatchSender;
import dev.eventpublisher.sender.Delivery;
import dev.eventpublisher.sender.OutgoingBatch;
import org.apache.kafka.common.errors.TimeoutException;

/** Publishers on a model disk with a hand-written "Kafka", for the journal's fault tests. */
final class JournalTestKit {
    static final long SEGMENT = JournalConfig.MIN_SEGMENT_BYTES;

    private JournalTestKit() {
    }

    /**
     * Acknowledges the events its predicate picks, holds the rest (like a Kafka that has not answered);
     * remembers every value it acknowledged — before acknowledging it, so a copy taken after a crash
     * image holds at least what was acknowledged when the image was taken.
     */
    static final class ScriptedKafka implements BatchSender {
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final List<String> received = new CopyOnWriteArrayList<>();
        final List<Delivery> held = new CopyOnWriteArrayList<>();
        final List<String> heldValues = new CopyOnWriteArrayList<>();
        volatile Predicate<String> acknowledge;
        private long offset;

        ScriptedKafka(Predicate<String> acknowledge) {
            this.acknowledge = acknowledge;
        }

        @Override
        public void send(OutgoingBatch batch) {
            for (int i = 0; i < batch.size(); i++) {
                String value = new String(batch.value(i), StandardCharsets.UTF_8);
                received.add(value);
                if (acknowledge.test(value)) {
                    acknowledged.add(value);
                    batch.delivery(i).acknowledge(0, offset++);
                } else {
                    held.add(batch.delivery(i));
                    heldValues.add(value);
                }
            }
        }

        /** Acknowledges everything held so far. */
        synchronized void releaseHeld() {
            List<Delivery> deliveries = new ArrayList<>(held);
            List<String> values = new ArrayList<>(heldValues);
            held.clear();
            heldValues.clear();
            for (int i = 0; i < deliveries.size(); i++) {
                acknowledged.add(values.get(i));
                deliveries.get(i).acknowledge(0, offset++);
            }
        }

        @Override
        public void close(Duration timeout) {
            // Like the Kafka sender closing: what is unanswered stays in the journal for the next start.
            held.forEach(d -> d.defer(new TimeoutException("closed before Kafka answered")));
        }
    }

    static JournalConfig config(FsyncPolicy policy) {
        return JournalConfig.at(Path.of("model-journal")).fsync(policy).fsyncInterval(Duration.ofMillis(5))
                .segmentBytes(SEGMENT).maxBytes(64 * SEGMENT);
    }

    static EventPublisherBuilder builder(FaultyStorage disk, JournalConfig config, BatchSender kafka) {
        return EventPublisher.builder().batchSender(kafka).journal(config).journalStorage(disk)
                .ringSize(4096).batchSize(50).maxBatchSize(200).batchTimeout(Duration.ofMillis(20))
                .endOfBatchPolicy(EndOfBatchPolicy.FLUSH_ALL).backpressure(Backpressure.BLOCK)
                .blockTimeout(Duration.ofSeconds(5)).closeTimeout(Duration.ofSeconds(2)).circuitBreaker(false);
    }

    /** Opens a publisher on {@code disk} that acknowledges everything; returns the values it replayed. */
    static Replayed replayAll(FaultyStorage disk, JournalConfig config) {
        ScriptedKafka kafka = new ScriptedKafka(v -> true);
        EventPublisher publisher = builder(disk, config, kafka).build();
        await().atMost(Duration.ofSeconds(30)).until(() -> !publisher.journal().isReplaying());
        publisher.forceFlush().join();
        long replayed = publisher.outcomes().replayed();
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.received.size() >= replayed);
        var metrics = publisher.metrics();
        Replayed result = new Replayed(List.copyOf(kafka.received), replayed,
                metrics.counter(dev.eventpublisher.metrics.MetricNames.JOURNAL_LOST).getCount(),
                metrics.counter(dev.eventpublisher.metrics.MetricNames.JOURNAL_CORRUPT_RECORDS).getCount(),
                metrics.counter(dev.eventpublisher.metrics.MetricNames.JOURNAL_TRUNCATED_BYTES).getCount());
        publisher.close();
        return result;
    }

    record Replayed(List<String> values, long count, long lost, long corrupt, long truncatedBytes) {
    }

    static String value(int i, int padding) {
        return "e-" + i + "-" + "x".repeat(padding);
    }

    static int indexOf(String value) {
        return Integer.parseInt(value.substring(2, value.indexOf('-', 2)));
    }
}
