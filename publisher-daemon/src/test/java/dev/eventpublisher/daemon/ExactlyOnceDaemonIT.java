package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The daemon in exactly-once mode, over real HTTP: a {@code ?sync=true} request is answered once its
 * transaction committed, with the partition and offset a {@code read_committed} consumer finds it at, and the
 * journal position is in the offsets topic; a second daemon on the same journal refuses to start and says which
 * process holds it (the first keeps its transactional.id: nothing fences it).
 */
@ExtendWith(SharedKafkaBroker.class)
class ExactlyOnceDaemonIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldAnswerSyncOnceCommittedAndRefuseASecondDaemonOnTheJournal() throws Exception {
        String topic = "eos-http-" + System.nanoTime();
        String offsets = "eos-http-offsets-" + System.nanoTime();
        SharedKafkaBroker.broker().createTopic(topic, 3);
        Path journal = Files.createTempDirectory("journal-eos-http-");
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers(),
                "PUBLISHER_JOURNAL_DIR", journal.toString(), "PUBLISHER_DELIVERY", "exactly-once");
        try (DaemonProcess daemon = DaemonProcess.start(env, List.of("-Dpublisher.transaction.offsets-topic=" + offsets))) {
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(daemon.baseUrl() + "/v1/events/" + topic + "?sync=true&key=k"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode result = JSON.readTree(answer.body()).get("results").get(0);
            List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic);
            assertThat(records).hasSize(1);
            assertThat(records.get(0).partition()).isEqualTo(result.get("partition").asInt());
            assertThat(records.get(0).offset()).isEqualTo(result.get("offset").asLong());
            assertThat(daemon.metric(MetricNames.TRANSACTIONS_COMMITTED)).isPositive();
            assertThat(daemon.metric(MetricNames.TRANSACTIONS_COMMITTED_POSITION)).isEqualTo(1);
            List<ConsumerRecord<byte[], byte[]>> positions = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), offsets);
            assertThat(new String(positions.get(positions.size() - 1).value(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"next_position\":1}");

            Map<String, String> secondEnv = new java.util.HashMap<>(env);
            secondEnv.put("PUBLISHER_HTTP_PORT", Integer.toString(DaemonProcess.freePort()));
            DaemonProcess.Result second = DaemonProcess.run(secondEnv, List.of(), List.of("run"));
            assertThat(second.exitCode()).as(second.output()).isEqualTo(1);
            assertThat(second.output()).contains("in use by another publisher").contains("pid " + daemon.pid());
            assertThat(daemon.isAlive()).isTrue();
            assertThat(daemon.metric("journal.state")).isZero();
        }
    }
}
