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
        long written = writeBacklog(journal, topic, EVENTS);
        assertThat(written).as("journal bytes").isGreaterThan(200L << 20);

        long started = System.nanoTime();
        DaemonProcess daemon = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers(),
                "PUBLISHER_JOURNAL_DIR", journal.toString()), List.of(), "/health/ready"); // ready = replay handed over
        long readyMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        BitSet seen = readBack(topic, EVENTS);
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

    @Test
    void shouldStopOnSigtermWhileReplayingIntoAnUnreachableKafkaAndReplayEverythingLater() throws Exception {
        String topic = "backlog-stuck-" + System.nanoTime();
        SharedKafkaBroker.broker().createTopic(topic, 3);
        Path journal = Files.createTempDirectory("journal-stuck-");
        int events = 400_000; // more than the ring and the sender's ring hold: the replay must wait for Kafka
        writeBacklog(journal, topic, events);

        DaemonProcess stuck = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + DaemonProcess.freePort(),
                "PUBLISHER_JOURNAL_DIR", journal.toString()), List.of("-Dpublisher.shutdown.timeout=2s"), "/health/live");
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(stuck.baseUrl() + "/health/ready")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body().contains("\"state\":\"REPLAYING\""));
        long started = System.nanoTime();
        assertThat(stuck.terminate(Duration.ofSeconds(90))).as(stuck.log()).isZero();
        System.out.printf("LargeBacklogReplayIT: SIGTERM during a replay into an unreachable Kafka: exit 0 after %d ms%n",
                Duration.ofNanos(System.nanoTime() - started).toMillis());
        stuck.close();

        DaemonProcess daemon = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers(),
                "PUBLISHER_JOURNAL_DIR", journal.toString()), List.of());
        assertThat(readBack(topic, events).cardinality()).as("the interrupted replay lost nothing").isEqualTo(events);
        assertThat(daemon.terminate(Duration.ofSeconds(60))).isZero();
        daemon.close();
    }

    /** Writes the backlog through the library, as an earlier run whose Kafka never answered would have. */
    private static long writeBacklog(Path journal, String topic, int events) {
        JournalConfig config = JournalConfig.at(journal).fsync(FsyncPolicy.NONE).maxBytes(1L << 30);
        String padding = "x".repeat(VALUE_BYTES - 30);
        try (EventPublisher publisher = EventPublisher.builder().batchSender(new Silent()).journal(config)
                .closeTimeout(Duration.ZERO).build()) {
            for (int from = 0; from < events; from += 1_000) {
                List<Event> call = new ArrayList<>(1_000);
                for (int i = from; i < from + 1_000; i++) {
                    byte[] value = ("{\"n\":" + i + ",\"pad\":\"" + padding + "\"}").getBytes(StandardCharsets.UTF_8);
                    call.add(new Event(topic, ("k" + i % 64).getBytes(StandardCharsets.UTF_8), value, null));
                }
                publisher.publishAll(call);
            }
            publisher.forceFlush(); // not waited for: nothing is ever acknowledged
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (publisher.outcomes().accepted() < events && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            return (Long) publisher.metrics().getGauges().get("journal.bytes").getValue();
        }
    }

    /** Reads the topic until all events are there (or 3 minutes pass); each event's number in a bit set. */
    private static BitSet readBack(String topic, int events) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafkaBroker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        BitSet seen = new BitSet(events);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (seen.cardinality() < events && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String v = new String(r.value(), 0, Math.min(20, r.value().length), StandardCharsets.UTF_8);
                    seen.set(Integer.parseInt(v.substring(5, v.indexOf(','))));
                }
            }
        }
        return seen;
    }
}
