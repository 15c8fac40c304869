package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.daemon.testing.HttpLoad;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An orphaned journal: a daemon whose Kafka was unreachable accepts events (202, journalled) and is
 * SIGKILLed, never to return. {@code publisherd journal drain --dir} hands its journal to Kafka: a first
 * drain (its Kafka unreachable too) holds the journal, so a second one is refused naming the holder; once
 * the first is gone, a drain to the real broker delivers every accepted event and exits 0.
 */
@ExtendWith(SharedKafkaBroker.class)
class JournalDrainIT {
    @Test
    void shouldDeliverAnOrphanedJournalAndNeverLetTwoDrainsShareIt() throws Exception {
        String topic = "orphan-" + System.nanoTime();
        SharedKafkaBroker.broker().createTopic(topic, 3);
        Path journal = Files.createTempDirectory("orphan-journal-");
        String nowhere = "127.0.0.1:" + DaemonProcess.freePort();
        Set<String> accepted = new HashSet<>();

        DaemonProcess orphan = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", nowhere, "PUBLISHER_JOURNAL_ENABLED", "true",
                "PUBLISHER_JOURNAL_DIR", journal.toString()), List.of(), "/health/live");
        HttpClient http = HttpClient.newHttpClient();
        for (int request = 0; request < 10; request++) {
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                String id = "c0-" + (request * 50 + i);
                body.append("{\"topic\":\"").append(topic).append("\",\"key\":\"c0\",\"value\":{\"id\":\"").append(id).append("\"}}\n");
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(orphan.baseUrl() + "/v1/events"))
                    .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            for (int i = 0; i < 50; i++) {
                accepted.add("c0-" + (request * 50 + i));
            }
        }
        orphan.kill();
        orphan.close();

        Path firstLog = Files.createTempFile("drain-1-", ".log");
        Process first = DaemonProcess.spawn(Map.of("KAFKA_BOOTSTRAP_SERVERS", nowhere),
                List.of("journal", "drain", "--dir", journal.toString(), "--timeout", "5m"), firstLog);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(firstLog).contains("drain: "));
            DaemonProcess.Result second = DaemonProcess.run(Map.of("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers()),
                    List.of(), List.of("journal", "drain", "--dir", journal.toString()));
            assertThat(second.exitCode()).as(second.output()).isEqualTo(1);
            assertThat(second.output()).contains("pid " + first.pid());
        } finally {
            first.destroyForcibly();
            first.waitFor(30, TimeUnit.SECONDS);
        }

        DaemonProcess.Result drain = DaemonProcess.run(Map.of("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers()),
                List.of(), List.of("journal", "drain", "--dir", journal.toString()));
        assertThat(drain.exitCode()).as(drain.output()).isZero();
        assertThat(drain.output()).contains("the journal is empty");

        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic);
        Map<String, Integer> stored = HttpLoad.countIds(records);
        assertThat(accepted).allMatch(stored::containsKey);
        assertThat(stored.keySet()).isEqualTo(accepted);
        assertThat(HttpLoad.outOfOrder(records)).isEmpty();

        DaemonProcess.Result again = DaemonProcess.run(Map.of("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers()),
                List.of(), List.of("journal", "drain", "--dir", journal.toString()));
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic)).as("a drained journal sends nothing again")
                .hasSameSizeAs(records);
    }
}
