package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.testing.ContractHttp;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daemon as a real process with its embedded broker: events posted over real HTTP are read back
 * with a real KafkaConsumer and compared byte for byte.
 */
class DaemonHttpIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static DaemonProcess daemon;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startDaemon() {
        daemon = DaemonProcess.start();
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            int exit = daemon.terminate(Duration.ofSeconds(60));
            assertThat(exit).as("exit code after SIGTERM; log:%n%s", daemon.log()).isZero();
            daemon.close();
        }
    }

    static HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(daemon.baseUrl() + path))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        ContractHttp.check("POST", path, contentType == null ? Map.of() : Map.of("Content-Type", List.of(contentType)),
                body.getBytes(StandardCharsets.UTF_8), response);
        return response;
    }

    static HttpResponse<String> get(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        ContractHttp.check("GET", path, Map.of(), null, response);
        return response;
    }

    private static String topic(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static List<ConsumerRecord<byte[], byte[]>> flushAndRead(String topic) throws Exception {
        assertThat(post("/v1/flush", null, "").statusCode()).isEqualTo(200);
        return TopicReader.readAll(daemon.kafkaBootstrap(), topic);
    }

    private static String utf8(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void shouldStoreASingleEventAsCompactJsonWithItsKey() throws Exception {
        String topic = topic("single");

        HttpResponse<String> response = post("/v1/events/" + topic + "?key=user-42", "application/json",
                "{ \"id\" : 42,\n  \"name\": \"Zoë ✓\", \"tags\": [ 1, 2.5, null, true ] }");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("{\"accepted\":1}"));
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        List<ConsumerRecord<byte[], byte[]>> records = flushAndRead(topic);
        assertThat(records).hasSize(1);
        assertThat(records.get(0).key()).isEqualTo("user-42".getBytes(StandardCharsets.UTF_8));
        assertThat(records.get(0).value())
                .isEqualTo("{\"id\":42,\"name\":\"Zoë ✓\",\"tags\":[1,2.5,null,true]}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldAcceptAnyJsonValueAsTheBodyOfASingleEvent() throws Exception {
        String topic = topic("scalars");
        for (String body : List.of("\"just a string\"", "12345", "[1,2]", "null")) {
            assertThat(post("/v1/events/" + topic, "application/json", body).statusCode()).isEqualTo(202);
        }
        assertThat(flushAndRead(topic)).extracting(r -> utf8(r.value()))
                .containsExactlyInAnyOrder("\"just a string\"", "12345", "[1,2]", "null");
    }

    @Test
    void shouldSplitAnNdjsonBodyAcrossThreeTopicsKeepingKeysHeadersAndOrder() throws Exception {
        String a = topic("nd-a");
        String b = topic("nd-b");
        String c = topic("nd-c");
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            String t = i % 3 == 0 ? a : i % 3 == 1 ? b : c;
            body.append("{\"topic\":\"").append(t).append("\",\"key\":\"k\",\"value\":{\"seq\":").append(i)
                    .append(",\"s\":\"x y\"},\"headers\":{\"source\":\"test\",\"n\":\"").append(i).append("\"}}\r\n");
        }
        body.append("\n");

        HttpResponse<String> response = post("/v1/events", "application/x-ndjson", body.toString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(JSON.readTree(response.body()).get("accepted").asInt()).isEqualTo(30);
        for (String t : List.of(a, b, c)) {
            List<ConsumerRecord<byte[], byte[]>> records = flushAndRead(t);
            assertThat(records).hasSize(10);
            int previous = -1;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                JsonNode value = JSON.readTree(r.value());
                assertThat(utf8(r.value())).isEqualTo("{\"seq\":" + value.get("seq").asInt() + ",\"s\":\"x y\"}");
                assertThat(value.get("seq").asInt()).isGreaterThan(previous);
                previous = value.get("seq").asInt();
                assertThat(utf8(r.key())).isEqualTo("k");
                assertThat(utf8(r.headers().lastHeader("source").value())).isEqualTo("test");
                assertThat(utf8(r.headers().lastHeader("n").value())).isEqualTo(Integer.toString(value.get("seq").asInt()));
            }
        }
    }

    @Test
    void shouldAcceptAJsonArrayOfEvents() throws Exception {
        String t1 = topic("arr-1");
        String t2 = topic("arr-2");
        String body = "[{\"topic\":\"" + t1 + "\",\"value\":{\"a\":1}},"
                + "{\"topic\":\"" + t2 + "\",\"key\":null,\"value\":\"two\"},"
                + "{\"topic\":\"" + t1 + "\",\"key\":\"k3\",\"value\":[3]}]";

        HttpResponse<String> response = post("/v1/events", "application/json; charset=utf-8", body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(flushAndRead(t1)).extracting(r -> utf8(r.key()) + "=" + utf8(r.value()))
                .containsExactlyInAnyOrder("null={\"a\":1}", "k3=[3]");
        assertThat(flushAndRead(t2)).extracting(r -> utf8(r.value())).containsExactly("\"two\"");
    }

    @Test
    void shouldAnswerSyncRequestsWithThePartitionAndOffsetKafkaAssigned() throws Exception {
        String t1 = topic("sync-1");
        String t2 = topic("sync-2");
        String body = "{\"topic\":\"" + t1 + "\",\"key\":\"a\",\"value\":1}\n"
                + "{\"topic\":\"" + t2 + "\",\"key\":\"b\",\"value\":2}\n"
                + "{\"topic\":\"" + t1 + "\",\"key\":\"a\",\"value\":3}\n";

        HttpResponse<String> response = post("/v1/events?sync=true", "application/x-ndjson", body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode results = JSON.readTree(response.body()).get("results");
        assertThat(results).hasSize(3);
        Map<String, String> valueAt = new java.util.HashMap<>();
        for (String t : List.of(t1, t2)) {
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(daemon.kafkaBootstrap(), t)) {
                valueAt.put(r.topic() + "/" + r.partition() + "@" + r.offset(), utf8(r.value()));
            }
        }
        List<String> expected = List.of("1", "2", "3");
        for (int i = 0; i < 3; i++) {
            JsonNode r = results.get(i);
            String position = r.get("topic").asText() + "/" + r.get("partition").asInt() + "@" + r.get("offset").asLong();
            assertThat(valueAt).as("result %d", i).containsEntry(position, expected.get(i));
        }

        HttpResponse<String> single = post("/v1/events/" + t2 + "?sync=true&key=z", "application/json", "{\"x\":1}");
        assertThat(single.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(single.body()).get("results").get(0).get("topic").asText()).isEqualTo(t2);
    }

    @Test
    void shouldReportBatchStatusInTheSeedsShape() throws Exception {
        HttpResponse<String> response = get("/v1/batch/status");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode batch = JSON.readTree(response.body()).get("batch");
        assertThat(batch.get("batch_size_configured").asInt()).isEqualTo(50);
        assertThat(batch.get("batch_timeout_ms").asInt()).isEqualTo(500);
        assertThat(batch.get("max_batch_size").asInt()).isEqualTo(200);
        assertThat(batch.get("pending_batch_messages").isInt()).isTrue();
        assertThat(batch.get("has_scheduled_flush").asInt()).isBetween(0, 1);
        assertThat(iterable(batch.fieldNames())).containsExactly("pending_batch_messages", "batch_size_configured",
                "batch_timeout_ms", "max_batch_size", "has_scheduled_flush");
    }

    @Test
    void shouldServeHealthAndMetrics() throws Exception {
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ready.body()).get("kafka").get("reachable").asBoolean()).isTrue();

        post("/v1/events/" + topic("metrics"), "application/json", "{}");
        JsonNode metrics = JSON.readTree(get("/metrics").body());
        assertThat(metrics.get("counters").get("events.accepted").get("count").asLong()).isPositive();
        assertThat(metrics.get("gauges").has("ring.remaining-capacity")).isTrue();
        assertThat(metrics.get("histograms").get("events.publish-to-ack-ns").get("count").asLong()).isPositive();

        HttpResponse<String> prometheus = get("/metrics/prometheus");
        assertThat(prometheus.statusCode()).isEqualTo(200);
        assertThat(prometheus.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(prometheus.body()).contains("publisher_events_accepted_total ")
                .contains("publisher_batches_flushed_total{trigger=\"end_of_batch\"}").contains("publisher_ring_free_slots ");
    }

    @Test
    void shouldAnswerPipelinedRequestsInTheOrderTheyCame() throws Exception {
        String topic = topic("pipelined");
        String body = "{\"p\":1}";
        String requests = "POST /v1/events/" + topic + "?sync=true HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body
                + "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", daemon.httpPort)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int first = answers.indexOf("\"results\"");
            int second = answers.indexOf("\"status\":\"UP\"");
            assertThat(first).as(answers).isNotNegative();
            assertThat(second).as("the quick answer waits for the sync one before it: %s", answers).isGreaterThan(first);
        }
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> list = new java.util.ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    static String ids(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> utf8(r.value())).collect(Collectors.joining(","));
    }
}
