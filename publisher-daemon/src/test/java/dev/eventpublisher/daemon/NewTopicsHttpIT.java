package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The case that stalled the daemon (issue 31), over real HTTP with the default configuration (journal on,
 * embedded broker with auto-creation): one client fans out to 2,000 topics that do not exist yet, and meanwhile
 * {@code ?sync=true} events to a topic that exists, small and 512 KiB, are each answered 200 — not 207 timeout
 * behind the new topics. Then every one of the fan-out's events is read back from Kafka. Timeouts are hang
 * guards only; nothing is timed.
 */
class NewTopicsHttpIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static DaemonProcess daemon;

    @BeforeAll
    static void startDaemon() {
        daemon = DaemonProcess.start();
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            assertThat(daemon.terminate(Duration.ofSeconds(60))).as(daemon.log()).isZero();
            daemon.close();
        }
    }

    private static HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + path))
                .timeout(Duration.ofSeconds(90))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerSyncEventsToAnExistingTopicWhileAFanOutCreatesTwoThousandTopics() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String existing = "existing-" + run;
        HttpResponse<String> first = post("/v1/events/" + existing + "?sync=true", "application/json", "\"first\"");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);

        int topics = 2_000;
        int perTopic = 10;
        List<String> fanOut = new ArrayList<>();
        for (int t = 0; t < topics; t++) {
            fanOut.add("fan-" + run + "-" + t);
        }
        int requests = 4;
        for (int r = 0; r < requests; r++) {
            StringBuilder body = new StringBuilder();
            for (int i = r * (topics * perTopic / requests); i < (r + 1) * (topics * perTopic / requests); i++) {
                body.append("{\"topic\":\"").append(fanOut.get(i % topics)).append("\",\"value\":{\"i\":").append(i).append("}}\n");
            }
            HttpResponse<String> accepted = post("/v1/events", "application/x-ndjson", body.toString());
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        }

        // Sync events to the existing topic, 7 bytes and 512 KiB, one after another, while the fan-out's topics
        // are being created: each is answered 200 with its offset (the old sender answered 207 timeout for minutes).
        String big = "\"" + "b".repeat(512 * 1024) + "\"";
        List<String> syncValues = new ArrayList<>();
        long waitingWhenFirstAnswered = -1;
        for (int i = 0; i < 20; i++) {
            String value = i % 2 == 0 ? "\"s" + i + "\"" : big;
            HttpResponse<String> sync = post("/v1/events/" + existing + "?sync=true", "application/json", value);
            assertThat(sync.statusCode()).as("sync event %d: %s", i, sync.body()).isEqualTo(200);
            assertThat(JSON.readTree(sync.body()).get("results").get(0).get("offset").asLong()).isNotNegative();
            syncValues.add(value);
            if (i == 0) {
                waitingWhenFirstAnswered = topics * perTopic + 2 - daemon.metric("events.acknowledged");
            }
        }
        assertThat(waitingWhenFirstAnswered)
                .as("the first sync answer came while fan-out events still had no answer from Kafka")
                .isPositive();

        int total = topics * perTopic + 1 + syncValues.size();
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> daemon.metric("events.acknowledged") >= total);
        assertThat(daemon.metric("events.failed")).isZero();

        List<ConsumerRecord<byte[], byte[]>> read = TopicReader.readAll(daemon.kafkaBootstrap(), fanOut);
        Map<String, Integer> perTopicRead = new HashMap<>();
        java.util.Set<Integer> values = new java.util.HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : read) {
            perTopicRead.merge(r.topic(), 1, Integer::sum);
            values.add(JSON.readTree(r.value()).get("i").asInt());
        }
        assertThat(read).hasSize(topics * perTopic);
        assertThat(values).hasSize(topics * perTopic);
        assertThat(perTopicRead).hasSize(topics).allSatisfy((t, n) -> assertThat(n).isEqualTo(perTopic));

        List<String> existingValues = TopicReader.readAll(daemon.kafkaBootstrap(), existing).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).map(NewTopicsHttpIT::abbreviated).toList();
        List<String> expected = new ArrayList<>();
        expected.add("\"first\"");
        expected.addAll(syncValues);
        // Unkeyed, so spread over the topic's partitions: each value once, byte for byte (big ones compared whole).
        assertThat(existingValues).containsExactlyInAnyOrderElementsOf(expected.stream().map(NewTopicsHttpIT::abbreviated).toList());
    }

    /** A value as itself when short, else its length and hash (a failure message stays readable). */
    private static String abbreviated(String value) {
        return value.length() <= 64 ? value : value.length() + " chars #" + value.hashCode();
    }
}
