package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.testing.ContractHttp;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.daemon.testing.OpenApiContract;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP contract, live: every documented status produced by a real daemon and checked against
 * openapi.json (the daemon runs exactly-once with a 2 s commit interval, so a {@code ?sync=true} request
 * stays in progress long enough to meet its repeat), trace context copied to records, every accepted
 * Content-Type read back from Kafka, and a 10 MB body's 413 received by clients that send it all first.
 */
class HttpContractIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "contract-token";
    private static final String JSON_TYPE = "application/json";
    private static DaemonProcess daemon;
    private static ContractHttp http;

    @BeforeAll
    static void startDaemon() throws Exception {
        Path config = Files.createTempFile("contract-", ".conf");
        Files.writeString(config, """
                publisher.transaction.interval = 2s
                # The daemon takes events up to 2 MiB; the broker's own limit (message.max.bytes, 1 MiB) refuses them.
                publisher.kafka.producer.max.request.size = 2097152
                publisher.http {
                  allowed-topics = ["orders", "traced", "types", "big", "keys", "keys-repeat", "keys-expiry", "keys-concurrent"]
                  idempotency.window = 3s
                }
                """);
        daemon = DaemonProcess.start(Map.of("PUBLISHER_HTTP_TOKEN", TOKEN, "PUBLISHER_DELIVERY", "exactly-once",
                "PUBLISHER_JOURNAL_ENABLED", "true"), List.of("-Dconfig.file=" + config));
        http = new ContractHttp(daemon.baseUrl(), "Authorization", "Bearer " + TOKEN);
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            assertThat(daemon.terminate(Duration.ofSeconds(60))).as(daemon.log()).isZero();
            daemon.close();
        }
    }

    /**
     * Flushes (in exactly-once mode: commits), then reads with read_committed until at least {@code expected}
     * records are visible: a commit returns before Kafka has written its markers to every partition, and a
     * read_committed consumer sees the records only after that (milliseconds later).
     */
    private static List<ConsumerRecord<byte[], byte[]>> flushAndRead(String topic, int expected) throws Exception {
        assertThat(http.post("/v1/flush", null).statusCode()).isEqualTo(200);
        List<List<ConsumerRecord<byte[], byte[]>>> read = new ArrayList<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            read.add(0, TopicReader.readAll(daemon.kafkaBootstrap(), topic));
            return read.get(0).size() >= expected;
        });
        return read.get(0);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldServeTheDocumentItIsCheckedAgainst() throws Exception {
        HttpResponse<String> served = http.get("/openapi");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(served.body())).isEqualTo(OpenApiContract.get().document());
        assertThat(OpenApiContract.get().document().get("openapi").asText()).startsWith("3.1.");
    }

    @Test
    void shouldAnswerEveryDocumentedStatusAsDocumented() throws Exception {
        String ndjson = "application/x-ndjson";
        assertThat(http.post("/v1/events/orders", "{\"id\":1}", "Content-Type", JSON_TYPE).statusCode()).isEqualTo(202);
        assertThat(http.post("/v1/events/orders?sync=true", "{\"id\":2}", "Content-Type", JSON_TYPE).statusCode())
                .isEqualTo(200);
        // 207: one event over the broker's message.max.bytes (1 MiB) fails alone; the other is written.
        String big = "{\"topic\":\"big\",\"value\":\"" + incompressible(1_800_000) + "\"}\n{\"topic\":\"big\",\"value\":1}\n";
        HttpResponse<String> partly = http.post("/v1/events?sync=true", big, "Content-Type", ndjson);
        assertThat(partly.statusCode()).as(partly.body()).isEqualTo(207);
        JsonNode results = JSON.readTree(partly.body()).get("results");
        assertThat(results.get(0).has("error")).isTrue();
        assertThat(results.get(1).get("offset").asLong()).isNotNegative();
        // 413 event_too_large: over the daemon's own limit (the producer's max.request.size), refused before acceptance.
        HttpResponse<String> eventTooLarge = http.post("/v1/events/big", "\"" + "x".repeat(2_200_000) + "\"", "Content-Type", JSON_TYPE);
        assertThat(eventTooLarge.statusCode()).as(eventTooLarge.body()).isEqualTo(413);
        assertThat(JSON.readTree(eventTooLarge.body()).get("error").asText()).isEqualTo("event_too_large");
        assertThat(http.post("/v1/events/orders", "{", "Content-Type", JSON_TYPE).statusCode()).isEqualTo(400);
        assertThat(http.post("/v1/events/orders", "{}", "Content-Type", JSON_TYPE, "Authorization", "Bearer wrong")
                .statusCode()).isEqualTo(401);
        assertThat(http.post("/v1/events/secrets", "{}", "Content-Type", JSON_TYPE).statusCode()).isEqualTo(403);
        assertThat(http.get("/v2/nothing").statusCode()).isEqualTo(404);
        assertThat(http.get("/v1/events").statusCode()).isEqualTo(405);
        assertThat(http.post("/v1/events", "a,b", "Content-Type", "text/csv").statusCode()).isEqualTo(415);
        HttpResponse<String> tooLarge = http.post("/v1/events/orders", "\"" + "y".repeat(5 << 20) + "\"",
                "Content-Type", JSON_TYPE);
        assertThat(tooLarge.statusCode()).isEqualTo(413);

        // 409 then 422 on an Idempotency-Key; the sync request waits for the 2 s transaction commit.
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> call(() ->
                http.post("/v1/events/keys?sync=true", "{\"n\":1}", "Content-Type", JSON_TYPE, "Idempotency-Key", "k-409")));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> daemon.metric("http.idempotency.keys") > 0);
        HttpResponse<String> inProgress = http.post("/v1/events/keys?sync=true", "{\"n\":1}", "Content-Type", JSON_TYPE,
                "Idempotency-Key", "k-409");
        assertThat(inProgress.statusCode()).as(inProgress.body()).isEqualTo(409);
        assertThat(inProgress.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(http.post("/v1/events/keys", "{\"n\":2}", "Content-Type", JSON_TYPE, "Idempotency-Key", "k-409")
                .statusCode()).isEqualTo(422);
        HttpResponse<String> firstAnswer = first.get();
        assertThat(firstAnswer.statusCode()).isEqualTo(200);
        HttpResponse<String> repeat = http.post("/v1/events/keys?sync=true", "{\"n\":1}", "Content-Type", JSON_TYPE,
                "Idempotency-Key", "k-409");
        assertThat(repeat.statusCode()).isEqualTo(200);
        assertThat(repeat.body()).isEqualTo(firstAnswer.body());
        assertThat(repeat.headers().firstValue("Idempotent-Replayed")).hasValue("true");

        // 503: a second daemon, exactly-once, whose Kafka cannot be reached: it never learns its position.
        try (DaemonProcess stuck = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + DaemonProcess.freePort(),
                "PUBLISHER_DELIVERY", "exactly-once", "PUBLISHER_JOURNAL_ENABLED", "true"), List.of(), "/health/live")) {
            ContractHttp other = new ContractHttp(stuck.baseUrl());
            HttpResponse<String> refused = other.post("/v1/events/orders", "{}", "Content-Type", JSON_TYPE);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("replaying");
            assertThat(other.get("/health/ready").statusCode()).isEqualTo(503);
            stuck.terminate(Duration.ofSeconds(30));
        }

        Set<String> statuses = OpenApiContract.get().seen().stream()
                .filter(s -> s.startsWith("POST /v1/events") || s.contains("<"))
                .map(s -> s.substring(s.lastIndexOf(' ') + 1)).collect(Collectors.toCollection(TreeSet::new));
        assertThat(statuses).as("statuses checked against openapi.json: %s", OpenApiContract.get().seen())
                .containsAll(List.of("200", "202", "207", "400", "401", "403", "404", "405", "409", "413", "415", "422", "503"));
    }

    @Test
    void shouldCopyTraceContextToEveryRecordOfTheRequest() throws Exception {
        String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        String own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        String body = "{\"topic\":\"traced\",\"value\":1}\n"
                + "{\"topic\":\"traced\",\"value\":2,\"headers\":{\"traceparent\":\"" + own + "\"}}\n";
        long malformedBefore = daemon.metric("http.traceparent.malformed");
        assertThat(http.post("/v1/events", body, "Content-Type", "application/x-ndjson", "traceparent", parent,
                "tracestate", "vendor=abc").statusCode()).isEqualTo(202);
        assertThat(http.post("/v1/events/traced", "3", "Content-Type", JSON_TYPE, "traceparent", "00-not-a-trace-01")
                .statusCode()).isEqualTo(202);
        assertThat(http.post("/v1/events/traced", "4", "Content-Type", JSON_TYPE, "traceparent",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01").statusCode()).isEqualTo(202);

        List<ConsumerRecord<byte[], byte[]>> records = flushAndRead("traced", 4);
        Map<String, ConsumerRecord<byte[], byte[]>> byValue = records.stream()
                .collect(Collectors.toMap(r -> new String(r.value(), StandardCharsets.UTF_8), r -> r));
        assertThat(byValue).containsOnlyKeys("1", "2", "3", "4");
        assertThat(header(byValue.get("1"), "traceparent")).isEqualTo(parent);
        assertThat(header(byValue.get("1"), "tracestate")).isEqualTo("vendor=abc");
        assertThat(header(byValue.get("2"), "traceparent")).as("the event's own header wins").isEqualTo(own);
        assertThat(header(byValue.get("3"), "traceparent")).as("malformed: not copied").isNull();
        assertThat(header(byValue.get("4"), "traceparent")).as("all-zero trace id: invalid").isNull();
        assertThat(daemon.metric("http.traceparent.malformed") - malformedBefore).isEqualTo(2);
    }

    @Test
    void shouldAcceptEveryListedContentTypeAndCharsetSpelling() throws Exception {
        String line = "{\"topic\":\"types\",\"value\":\"%s\"}\n";
        List<String[]> variants = List.of(
                new String[] {"/v1/events/types", "application/json", "\"json\""},
                new String[] {"/v1/events/types", "application/json; charset=UTF-8", "\"json-utf8\""},
                new String[] {"/v1/events/types", "application/json;charset=\"utf-8\"", "\"json-quoted\""},
                new String[] {"/v1/events", "application/json; charset=utf-8", "[" + line.formatted("array").trim() + "]"},
                new String[] {"/v1/events", "application/x-ndjson", line.formatted("x-ndjson")},
                new String[] {"/v1/events", "application/ndjson", line.formatted("ndjson")},
                new String[] {"/v1/events", "application/jsonl", line.formatted("jsonl")},
                new String[] {"/v1/events", "application/x-jsonlines", line.formatted("x-jsonlines")},
                new String[] {"/v1/events", "application/jsonlines; charset=UTF-8", line.formatted("jsonlines")},
                new String[] {"/v1/events", "application/json-seq", "\u001e" + line.formatted("json-seq-1")
                        + "\u001e" + line.formatted("json-seq-2")});
        for (String[] v : variants) {
            HttpResponse<String> r = http.post(v[0], v[2], "Content-Type", v[1]);
            assertThat(r.statusCode()).as("%s: %s", v[1], r.body()).isEqualTo(202);
        }
        HttpResponse<String> noCharsetSingle = http.send("POST", "/v1/events/types", "\"no-type\"".getBytes(StandardCharsets.UTF_8));
        assertThat(noCharsetSingle.statusCode()).isEqualTo(202);
        HttpResponse<String> refused = http.post("/v1/events", line.formatted("x"), "Content-Type", "application/x-yaml");
        assertThat(refused.statusCode()).isEqualTo(415);
        assertThat(refused.body()).contains("application/x-ndjson", "application/json-seq", "application/jsonl");

        Set<String> values = flushAndRead("types", 12).stream().map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .collect(Collectors.toSet());
        assertThat(values).containsExactlyInAnyOrder("\"json\"", "\"json-utf8\"", "\"json-quoted\"", "\"array\"",
                "\"x-ndjson\"", "\"ndjson\"", "\"jsonl\"", "\"x-jsonlines\"", "\"jsonlines\"", "\"json-seq-1\"",
                "\"json-seq-2\"", "\"no-type\"");
    }

    @Test
    void shouldLetAClientThatSendsTenMegabytesBeforeReadingReadThe413() throws Exception {
        byte[] body = ("\"" + "z".repeat(10 << 20) + "\"").getBytes(StandardCharsets.UTF_8);
        // The JDK's HttpClient writes the whole body before it reads the answer.
        HttpResponse<String> viaClient = http.send("POST", "/v1/events/big", body, "Content-Type", JSON_TYPE);
        assertThat(viaClient.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(viaClient.body()).get("error").asText()).isEqualTo("payload_too_large");

        // A raw socket: headers and all 10 MB written without reading a byte, then the answer read.
        try (Socket socket = new Socket("127.0.0.1", daemon.httpPort)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/events/big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            for (int at = 0; at < body.length; at += 65536) {
                out.write(body, at, Math.min(65536, body.length - at));
            }
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413 ").contains("payload_too_large");
        }
        assertThat(http.get("/health/live").statusCode()).as("still serving").isEqualTo(200);
        assertThat(flushAndRead("big", 0).stream().filter(r -> r.value().length > 1_000_000)).as("nothing stored").isEmpty();
    }

    @Test
    void shouldRepeatAnswersForAKeyAddNothingAndForgetTheKeyAfterTheWindow() throws Exception {
        String ndjson = "application/x-ndjson";
        String body = "{\"topic\":\"keys-repeat\",\"value\":\"a\"}\n{\"topic\":\"keys-repeat\",\"value\":\"b\"}\n";
        HttpResponse<String> first = http.post("/v1/events", body, "Content-Type", ndjson, "Idempotency-Key", "repeat-1");
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> again = http.post("/v1/events", body, "Content-Type", ndjson, "Idempotency-Key", "repeat-1");
            assertThat(again.statusCode()).isEqualTo(202);
            assertThat(again.body()).isEqualTo(first.body());
            assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        }
        HttpResponse<String> reused = http.post("/v1/events", body.replace("\"b\"", "\"c\""), "Content-Type", ndjson,
                "Idempotency-Key", "repeat-1");
        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(reused.body()).get("error").asText()).isEqualTo("idempotency_key_reused");
        assertThat(http.post("/v1/events", body, "Content-Type", ndjson, "Idempotency-Key", "bad key with spaces")
                .statusCode()).isEqualTo(400);

        List<ConsumerRecord<byte[], byte[]>> records = flushAndRead("keys-repeat", 2).stream()
                .filter(r -> "repeat-1".equals(header(r, "idempotency-key"))).toList();
        assertThat(records).hasSize(2);
        assertThat(records.stream().map(r -> header(r, "idempotency-event"))).containsExactly("0/2", "1/2");

        // Concurrent repeats: one request is processed, the rest get its answer or 409.
        String concurrentBody = "{\"topic\":\"keys-concurrent\",\"value\":1}\n";
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> call(() -> http.post("/v1/events", concurrentBody,
                    "Content-Type", ndjson, "Idempotency-Key", "concurrent-1"))));
        }
        List<HttpResponse<String>> answers = calls.stream().map(CompletableFuture::join).toList();
        assertThat(answers).allSatisfy(r -> assertThat(r.statusCode()).isIn(202, 409));
        assertThat(answers.stream().filter(r -> r.statusCode() == 202
                && r.headers().firstValue("Idempotent-Replayed").isEmpty())).as("processed once").hasSize(1);
        assertThat(flushAndRead("keys-concurrent", 1)).hasSize(1);

        // After the 3 s window the key is new again: its events are added a second time.
        String expiring = "{\"topic\":\"keys-expiry\",\"value\":1}\n";
        assertThat(http.post("/v1/events", expiring, "Content-Type", ndjson, "Idempotency-Key", "expiring-1")
                .headers().firstValue("Idempotent-Replayed")).isEmpty();
        Thread.sleep(3_500); // the window itself is what is tested
        HttpResponse<String> late = http.post("/v1/events", expiring, "Content-Type", ndjson, "Idempotency-Key", "expiring-1");
        assertThat(late.statusCode()).isEqualTo(202);
        assertThat(late.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(flushAndRead("keys-expiry", 2)).hasSize(2);
    }

    private interface Call {
        HttpResponse<String> run() throws Exception;
    }

    private static HttpResponse<String> call(Call call) {
        try {
            return call.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Random letters and digits: stays over 1 MiB after the producer's compression. */
    static String incompressible(int length) {
        java.util.Random random = new java.util.Random(42);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
