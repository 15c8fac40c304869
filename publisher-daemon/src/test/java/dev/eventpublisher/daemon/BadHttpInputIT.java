package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.testing.ContractHttp;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.testing.TopicReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile and mistaken HTTP input against the real daemon: each gets the right status and a JSON
 * {@code {error, message}}; afterwards the daemon is healthy, still accepts events, and accepted none
 * of the bad ones.
 */
class BadHttpInputIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "s3cret-token";
    private static final String AUTH = "Bearer " + TOKEN;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static DaemonProcess daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        Path config = Files.createTempFile("bad-input-", ".conf");
        Files.writeString(config, """
                publisher.http {
                  max-body-bytes = 64KiB
                  allowed-topics = ["orders", "payments"]
                }
                publisher.kafka.producer { "max.request.size" = 20000 }  # quoted: the daemon passes it on unquoted
                """);
        daemon = DaemonProcess.start(Map.of("PUBLISHER_HTTP_TOKEN", TOKEN), List.of("-Dconfig.file=" + config));
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            assertThat(daemon.terminate(Duration.ofSeconds(60))).isZero();
            daemon.close();
        }
    }

    /** One bad request and the answer it must get. */
    record Case(String name, String method, String path, String contentType, String authorization, byte[] body,
                int status, String error, String messageContains) {
        static Case post(String name, String path, String type, String body, int status, String error, String contains) {
            return new Case(name, "POST", path, type, AUTH, body.getBytes(StandardCharsets.UTF_8), status, error, contains);
        }
    }

    static List<Case> cases() {
        String json = "application/json";
        String ndjson = "application/x-ndjson";
        List<Case> cases = new ArrayList<>();
        cases.add(Case.post("malformed JSON", "/v1/events/orders", json, "{\"id\": 1,", 400, "invalid_json", "line 1, column"));
        cases.add(Case.post("empty body", "/v1/events/orders", json, "", 400, "invalid_json", "empty"));
        cases.add(Case.post("trailing data", "/v1/events/orders", json, "{\"a\":1} {\"b\":2}", 400, "invalid_json",
                "after the JSON value"));
        cases.add(Case.post("illegal topic in path", "/v1/events/bad%20topic", json, "{}", 400, "invalid_topic",
                "invalid topic='bad topic'"));
        cases.add(Case.post("topic too long", "/v1/events/" + "t".repeat(250), json, "{}", 400, "invalid_topic", "1-249"));
        cases.add(Case.post("ndjson broken line", "/v1/events", ndjson,
                "{\"topic\":\"orders\",\"value\":1}\n{\"topic\":\"orders\",\"value\":\n", 400, "invalid_json", "line 2"));
        cases.add(Case.post("event without topic", "/v1/events", ndjson, "{\"value\":1}\n", 400, "invalid_event",
                "\\\"topic\\\" is required"));
        cases.add(Case.post("event without value", "/v1/events", ndjson, "{\"topic\":\"orders\"}\n", 400, "invalid_event",
                "\\\"value\\\" is required"));
        cases.add(Case.post("topic of wrong type", "/v1/events", json, "[{\"topic\":7,\"value\":1}]", 400, "invalid_event",
                "must be a string"));
        cases.add(Case.post("illegal topic in body", "/v1/events", json, "[{\"topic\":\"a/b\",\"value\":1}]", 400,
                "invalid_topic", "invalid topic='a/b'"));
        cases.add(Case.post("array expected", "/v1/events", json, "{\"topic\":\"orders\",\"value\":1}", 400,
                "invalid_json", "expected a JSON array"));
        cases.add(Case.post("unknown field", "/v1/events", json, "[{\"topic\":\"orders\",\"value\":1,\"partition\":2}]",
                400, "invalid_event", "unknown field \\\"partition\\\""));
        cases.add(Case.post("header not a string", "/v1/events", json,
                "[{\"topic\":\"orders\",\"value\":1,\"headers\":{\"n\":5}}]", 400, "invalid_event", "header"));
        cases.add(Case.post("key not a string", "/v1/events", json, "[{\"topic\":\"orders\",\"key\":{},\"value\":1}]",
                400, "invalid_event", "\\\"key\\\" must be a string"));
        cases.add(Case.post("one good, one bad: nothing accepted", "/v1/events", ndjson,
                "{\"topic\":\"orders\",\"value\":\"good\"}\n{\"topic\":\"orders\"}\n", 400, "invalid_event", "line 2"));
        cases.add(Case.post("nesting bomb", "/v1/events/orders", json, "[".repeat(5000) + "]".repeat(5000), 400,
                "invalid_json", "nesting depth"));
        cases.add(new Case("invalid UTF-8", "POST", "/v1/events/orders", json, AUTH,
                new byte[] {'"', (byte) 0xC3, (byte) 0x28, '"'}, 400, "invalid_json", "UTF-8"));
        cases.add(Case.post("text/plain", "/v1/events", "text/plain", "hello", 415, "unsupported_media_type", "application/json"));
        cases.add(Case.post("form encoded single", "/v1/events/orders", "application/x-www-form-urlencoded", "{}", 415,
                "unsupported_media_type", "application/json"));
        cases.add(Case.post("no content type for a batch", "/v1/events", null, "[]", 415, "unsupported_media_type",
                "Content-Type is required"));
        cases.add(Case.post("latin-1 charset", "/v1/events/orders", "application/json; charset=iso-8859-1", "{}", 415,
                "unsupported_media_type", "UTF-8"));
        cases.add(Case.post("body over max-body-bytes", "/v1/events/orders", json,
                "{\"pad\":\"" + "x".repeat(70_000) + "\"}", 413, "payload_too_large", "max-body-bytes"));
        cases.add(Case.post("event over max.request.size", "/v1/events/orders", json,
                "\"" + "x".repeat(25_000) + "\"", 413, "event_too_large", "max.request.size"));
        String small = "{\"topic\":\"orders\",\"value\":\"fine\"}\n";
        cases.add(Case.post("third NDJSON event over max.request.size: nothing accepted", "/v1/events", ndjson,
                small + small + "{\"topic\":\"orders\",\"value\":\"" + "y".repeat(20_000) + "\"}\n" + small, 413,
                "event_too_large", "event 2: event for topic 'orders' is 2"));
        cases.add(Case.post("Kafka's internal topic", "/v1/events/__consumer_offsets", json, "{}", 400, "invalid_topic",
                "internal topics"));
        cases.add(Case.post("Kafka's internal topic in a batch", "/v1/events", ndjson,
                "{\"topic\":\"__transaction_state\",\"value\":1}\n", 400, "invalid_topic", "internal topics"));
        cases.add(Case.post("bad sync flag", "/v1/events/orders?sync=maybe", json, "{}", 400, "invalid_parameter",
                "sync=maybe"));
        cases.add(Case.post("topic not allowed", "/v1/events/secrets", json, "{}", 403, "forbidden_topic", "secrets"));
        cases.add(new Case("missing token", "POST", "/v1/events/orders", json, null, "{}".getBytes(StandardCharsets.UTF_8),
                401, "unauthorized", "Authorization"));
        cases.add(new Case("wrong token", "POST", "/v1/events/orders", json, "Bearer nope", "{}".getBytes(StandardCharsets.UTF_8),
                401, "unauthorized", "invalid bearer token"));
        cases.add(new Case("unknown path", "GET", "/v2/anything", null, AUTH, null, 404, "not_found", "/v2/anything"));
        cases.add(new Case("GET on events", "GET", "/v1/events", null, AUTH, null, 405, "method_not_allowed", "use POST"));
        cases.add(new Case("DELETE flush", "DELETE", "/v1/flush", null, AUTH, null, 405, "method_not_allowed", "use POST"));
        cases.add(new Case("POST to status", "POST", "/v1/batch/status", json, AUTH, new byte[0], 405,
                "method_not_allowed", "use GET"));
        return cases;
    }

    private static HttpResponse<String> send(Case c) throws Exception {
        HttpRequest.BodyPublisher body = c.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(c.body());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(daemon.baseUrl() + c.path()))
                .timeout(Duration.ofSeconds(30)).method(c.method(), body);
        if (c.contentType() != null) {
            request.header("Content-Type", c.contentType());
        }
        if (c.authorization() != null) {
            request.header("Authorization", c.authorization());
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        Map<String, List<String>> sent = new java.util.HashMap<>();
        if (c.contentType() != null) {
            sent.put("Content-Type", List.of(c.contentType()));
        }
        ContractHttp.check(c.method(), c.path(), sent, c.body(), response); // the answer is the one openapi.json documents
        return response;
    }

    @Test
    void shouldAnswerEveryBadRequestWithItsStatusAndAJsonErrorAndKeepServing() throws Exception {
        List<Case> cases = cases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(15);
        for (Case c : cases) {
            HttpResponse<String> response = send(c);
            assertThat(response.statusCode()).as("%s: %s", c.name(), response.body()).isEqualTo(c.status());
            assertThat(response.headers().firstValue("content-type")).as(c.name()).hasValue("application/json");
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("error").asText()).as(c.name()).isEqualTo(c.error());
            assertThat(response.body()).as(c.name()).contains(c.messageContains()).doesNotContain("\tat ", "Exception:");
            if (c.status() == 405) {
                assertThat(response.headers().firstValue("allow")).as(c.name()).isPresent();
            }
        }

        assertThat(rawHttp("THIS IS NOT HTTP\r\n\r\n")).as("garbage request line").contains(" 400 ").contains("bad_request");

        // Still healthy, still accepting, and none of the bad requests put an event in the ring.
        HttpResponse<String> live = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/health/live")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        HttpResponse<String> ok = send(Case.post("valid", "/v1/events/payments?sync=true", "application/json",
                "{\"after\":\"all that\"}", 200, null, null));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode metrics = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(metrics.get("counters").get("events.accepted").get("count").asLong()).isEqualTo(1);
        assertThat(TopicReader.readAll(daemon.kafkaBootstrap(), "payments")).hasSize(1);
        assertThat(daemon.log()).doesNotContain("unexpected error");
    }

    private static String rawHttp(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", daemon.httpPort)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
