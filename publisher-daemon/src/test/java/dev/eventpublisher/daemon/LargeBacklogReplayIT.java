package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.eventpublisher.Event;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.journal.FsyncPolicy;
import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.sender.BatchSender;
import dev.eventpublisher.sender.OutgoingBatch;
import dev.eventpublisher.testing.SharedKafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A daemon started on a journal holding a large backlog (about 250 MB, a million events that Kafka never
 * acknowledged — written by a publisher whose "Kafka" never answered): the replay hands it all to Kafka
 * before new events are taken, every event lands once, and how long it took is printed.
 */
@ExtendWith(SharedKafkaBroker.class)
class LargeBacklogReplayIT {
    private static final int EVENTS = 1_000_000;
    private static final int VALUE_BYTES = 200;

    /** A Kafka that never answers: the journal keeps every event. */
    private static final class Silent implements BatchSender {
        @Override
        public void send(OutgoingBatch batch) {
        }

        @Override
        public void close(Duration timeout) {
        }
    }

    @Test
    void shouldReplayAHundredsOfMegabytesBacklogCompletely() throws Exception {
        String topic = "backlog-" + System.nanoTime();
        SharedKafkaBroker.broker().createTopic(topic, 3);
        Path journal = Files.createTempDirectory("journal-backlog-");
        long written = writeBacklog(journal, topic);
        assertThat(written).as("journal bytes").isGreaterThan(200L << 20);

        long started = System.nanoTime();
        DaemonProcess daemon = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers(),
                "PUBLISHER_JOURNAL_DIR", journal.toString()), List.of(), "/health/ready"); // ready = replay handed over
        long readyMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        BitSet seen = readBack(topic);
        long landedMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        Matcher replay = Pattern.compile("replayed (\\d+) event\\(s\\) \\((\\d+) bytes\\) in (\\d+) ms").matcher(daemon.log());
        assertThat(replay.find()).as(daemon.log()).isTrue();
        System.out.printf("LargeBacklogReplayIT: %d MB journal, %s events replayed in %s ms (%d events/s); daemon ready after %d ms,"
                        + " all %d events read back from Kafka %d ms after start%n", written >> 20, replay.group(1), replay.group(3),
                Long.parseLong(replay.group(1)) * 1000 / Math.max(1, Long.parseLong(replay.group(3))), readyMs, seen.cardinality(), landedMs);
        assertThat(Long.parseLong(replay.group(1))).isEqualTo(EVENTS);
        assertThat(seen.cardinality()).as("every journalled event landed").isEqualTo(EVENTS);
        assertThat(daemon.terminate(Duration.ofSeconds(60))).isZero();
        daemon.close();
        try (Stream<Path> files = Files.walk(journal)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Writes the backlog through the library, as an earlier run whose Kafka never answered would have. */
    private static long writeBacklog(Path journal, String topic) {
        JournalConfig config = JournalConfig.at(journal).fsync(FsyncPolicy.NONE).maxBytes(1L << 30);
        String padding = "x".repeat(VALUE_BYTES - 30);
        try (EventPublisher publisher = EventPublisher.builder().batchSender(new Silent()).journal(config)
                .closeTimeout(Duration.ZERO).build()) {
            for (int from = 0; from < EVENTS; from += 1_000) {
                List<Event> call = new ArrayList<>(1_000);
                for (int i = from; i < from + 1_000; i++) {
                    byte[] value = ("{\"n\":" + i + ",\"pad\":\"" + padding + "\"}").getBytes(StandardCharsets.UTF_8);
                    call.add(new Event(topic, ("k" + i % 64).getBytes(StandardCharsets.UTF_8), value, null));
                }
                publisher.publishAll(call);
            }
            publisher.forceFlush(); // not waited for: nothing is ever acknowledged
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (publisher.outcomes().accepted() < EVENTS && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            return (Long) publisher.metrics().getGauges().get("journal.bytes").getValue();
        }
    }

    /** Reads the topic until all events are there (or 3 minutes pass); each event's number in a bit set. */
    private static BitSet readBack(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafkaBroker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        BitSet seen = new BitSet(EVENTS);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (seen.cardinality() < EVENTS && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String v = new String(r.value(), 0, Math.min(20, r.value().length), StandardCharsets.UTF_8);
                    seen.set(Integer.parseInt(v.substring(5, v.indexOf(','))));
                }
            }
        }
        return seen;
    }
}
