package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import org.junit.jupiter.api.Test;

/**
 * Kafka unreachable: the sender waits on metadata, the ring fills, and the daemon says so — 503 with
 * Retry-After under the default {@code reject} policy, "not ready" on the probe — and still stops
 * cleanly on SIGTERM.
 */
class HttpBackpressureIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void shouldRefuseWith503AndRetryAfterWhenTheRingIsFull() throws Exception {
        int deadPort = DaemonProcess.freePort();
        try (DaemonProcess daemon = DaemonProcess.start(
                Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + deadPort, "PUBLISHER_RING_SIZE", "16"),
                List.of("-Dpublisher.shutdown.timeout=2s", "-Dpublisher.kafka.producer.max.block.ms=60000"),
                "/health/live")) {
            HttpResponse<String> refused = null;
            int accepted = 0;
            for (int i = 0; i < 2_000 && refused == null; i++) {
                HttpResponse<String> r = post(daemon, "/v1/events/orders", "application/json", "{\"n\":" + i + "}");
                if (r.statusCode() == 202) {
                    accepted++;
                } else {
                    refused = r;
                }
            }
            assertThat(refused).as("the ring must fill while Kafka is unreachable").isNotNull();
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            JsonNode error = JSON.readTree(refused.body());
            assertThat(error.get("error").asText()).isEqualTo("ring_full");
            assertThat(error.get("message").asText()).contains("none of the 1 event(s) was accepted");
            assertThat(accepted).isPositive();

            // Refused before the body is parsed (counted from its lines): an overload's refusals cost no parsing.
            // The second line is not JSON; a daemon that parsed first would answer 400.
            HttpResponse<String> shed = post(daemon, "/v1/events", "application/x-ndjson",
                    "{\"topic\":\"orders\",\"value\":1}\n\n{not json\n{\"topic\":\"orders\",\"value\":3}\n");
            assertThat(shed.statusCode()).as(shed.body()).isEqualTo(503);
            assertThat(JSON.readTree(shed.body()).get("error").asText()).isEqualTo("ring_full");
            assertThat(JSON.readTree(shed.body()).get("message").asText()).contains("none of the 3 event(s) was accepted");

            StringBuilder seventeen = new StringBuilder();
            for (int i = 0; i < 17; i++) {
                seventeen.append("{\"topic\":\"orders\",\"value\":").append(i).append("}\n");
            }
            HttpResponse<String> tooMany = post(daemon, "/v1/events", "application/x-ndjson", seventeen.toString());
            assertThat(tooMany.statusCode()).isEqualTo(413);
            assertThat(JSON.readTree(tooMany.body()).get("error").asText()).isEqualTo("too_many_events");

            HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(ready.body()).get("error").asText()).isEqualTo("not_ready");

            int exit = daemon.terminate(Duration.ofSeconds(60));
            assertThat(exit).as(daemon.log()).isZero();
            // With the journal (the default) nothing Kafka never saw is failed at the deadline: it stays journalled.
            assertThat(daemon.log()).contains("they stay in the journal for the next start")
                    .containsPattern("publisher drained: accepted=" + accepted + " acknowledged=0 failed=0 deferred=" + accepted
                            + " unresolved=0");
        }
    }

    private static HttpResponse<String> post(DaemonProcess daemon, String path, String type, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + path)).header("Content-Type", type)
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
