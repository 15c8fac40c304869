package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import dev.eventpublisher.kafka.embedded.EmbeddedKafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daemon against a broker that requires SASL/PLAIN, credentials passed through
 * {@code kafka.producer}: the right ones make it ready and publish; wrong ones show up as a clear
 * readiness error and clear event failures, not a hang.
 */
class SaslDaemonIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder().saslPlainUser("svc", "svc-secret").build().start();
        broker.createTopic("secured", 1);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static List<String> credentials(String password) {
        return List.of("-Dpublisher.kafka.producer.security.protocol=SASL_PLAINTEXT",
                "-Dpublisher.kafka.producer.sasl.mechanism=PLAIN",
                "-Dpublisher.kafka.producer.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"svc\" password=\"" + password + "\";");
    }

    private static HttpResponse<String> get(DaemonProcess daemon, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postSync(DaemonProcess daemon) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/v1/events/secured?sync=true"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString("{\"s\":1}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldBecomeReadyAndPublishWithTheRightCredentials() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
                credentials("svc-secret"))) {
            HttpResponse<String> sync = postSync(daemon);
            assertThat(sync.statusCode()).as(sync.body()).isEqualTo(200);
            assertThat(JSON.readTree(sync.body()).get("results").get(0).get("offset").asLong()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void shouldKeepTheEventJournalledAndSayWhyWhenTheCredentialsAreWrong() throws Exception {
        List<String> options = new java.util.ArrayList<>(credentials("wrong"));
        options.add("-Dpublisher.http.sync-timeout=5s");
        try (DaemonProcess daemon = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
                options, "/health/live")) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> ready = get(daemon, "/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("SaslAuthenticationException");
            });
            HttpResponse<String> sync = postSync(daemon);
            assertThat(sync.statusCode()).as(sync.body()).isEqualTo(207);
            JsonNode result = JSON.readTree(sync.body()).get("results").get(0);
            // Wrong credentials are not the event's fault: it stays journalled for when they are fixed.
            assertThat(result.get("error").asText()).isEqualTo("timeout");
            assertThat(result.get("message").asText()).contains("journalled").contains("SaslAuthenticationException");
        }
    }

    @Test
    void shouldReportWrongCredentialsClearlyInsteadOfHangingWithoutAJournal() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "PUBLISHER_JOURNAL_ENABLED", "false"), credentials("wrong"), "/health/live")) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> ready = get(daemon, "/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("SaslAuthenticationException");
            });
            long start = System.nanoTime();
            HttpResponse<String> sync = postSync(daemon);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            assertThat(sync.statusCode()).as(sync.body()).isEqualTo(207);
            JsonNode result = JSON.readTree(sync.body()).get("results").get(0);
            assertThat(result.get("error").asText()).isEqualTo("kafka:SaslAuthenticationException");
            assertThat(result.get("message").asText()).contains("Authentication failed");
        }
    }
}
