package dev.eventpublisher.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.eventpublisher.Event;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.daemon.cli.SyntheticEvents;
import dev.eventpublisher.journal.FsyncPolicy;
import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.sender.BatchSender;
import dev.eventpublisher.sender.OutgoingBatch;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How fast a restart hands a journal backlog to Kafka: a publisher whose "Kafka" never answers leaves
 * {@code events} 100-byte events in a journal; a publisher on the same directory with a real broker then
 * replays them; measured from its start until Kafka acknowledged the last one.
 */
final class ReplayRate {
    /** Seconds until the replay was handed to the pipeline, and until Kafka acknowledged all of it. */
    record Result(long events, long journalBytes, double handedOverSeconds, double acknowledgedSeconds, double eventsPerSecond) {
    }

    private static final class Silent implements BatchSender {
        @Override
        public void send(OutgoingBatch batch) {
        }

        @Override
        public void close(Duration timeout) {
        }
    }

    private ReplayRate() {
    }

    static Result measure(Path dir, int events) throws Exception {
        byte[][] values = SyntheticEvents.pool(8192, 100);
        String topic;
        long bytes;
        try (KafkaFixture kafka = new KafkaFixture()) {
            topic = kafka.newTopic("replay");
            JournalConfig config = JournalConfig.at(dir).fsync(FsyncPolicy.NONE);
            try (EventPublisher leaving = EventPublisher.builder().batchSender(new Silent()).journal(config)
                    .closeTimeout(Duration.ZERO).build()) {
                for (int from = 0; from < events; from += 1_000) {
                    List<Event> call = new ArrayList<>();
                    for (int i = from; i < Math.min(events, from + 1_000); i++) {
                        call.add(new Event(topic, null, values[i & 8191], null));
                    }
                    leaving.publishAll(call);
                }
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (leaving.outcomes().accepted() < events && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                bytes = (Long) leaving.metrics().getGauges().get("journal.bytes").getValue();
            }
            Map<String, Object> props = new HashMap<>(kafka.producerProperties());
            props.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
            props.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
            long start = System.nanoTime();
            try (EventPublisher restarted = EventPublisher.builder().producerProperties(props).journal(config).build()) {
                long handedOver = 0;
                long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                while (restarted.outcomes().acknowledged() < events && System.nanoTime() < deadline) {
                    if (handedOver == 0 && !restarted.journal().isReplaying()) {
                        handedOver = System.nanoTime() - start;
                    }
                    Thread.sleep(1);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long acknowledged = restarted.outcomes().acknowledged();
                return new Result(acknowledged, bytes, handedOver / 1e9, seconds, acknowledged / seconds);
            }
        }
    }
}
