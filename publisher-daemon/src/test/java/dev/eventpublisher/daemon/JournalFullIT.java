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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.daemon.testing.BrokerProcess;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.daemon.testing.HttpLoad;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.testing.TopicReader;
import org.junit.jupiter.api.Test;

/**
 * A small journal (4 MiB) and no Kafka: the journal fills, and then {@code when-full} decides —
 * {@code reject} answers 503 {@code journal_full} with {@code Retry-After} at once, {@code block} makes the
 * request wait (up to the block timeout, or in the journal until there is room). When Kafka comes up the
 * backlog drains, the journal frees its segments, requests are answered 202 again, every accepted event
 * lands, and a restart on the same journal finds nothing damaged.
 */
class JournalFullIT {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void shouldAnswerJournalFullUnderRejectAndRecoverWhenKafkaComesUp() throws Exception {
        fillThenRecover("reject");
    }

    @Test
    void shouldMakeRequestsWaitUnderBlockAndRecoverWhenKafkaComesUp() throws Exception {
        fillThenRecover("block");
    }

    private void fillThenRecover(String whenFull) throws Exception {
        String topic = "full-" + whenFull + "-" + System.nanoTime();
        Path journal = Files.createTempDirectory("journal-full-");
        try (BrokerProcess broker = BrokerProcess.notStarted()) {
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "PUBLISHER_JOURNAL_DIR", journal.toString());
            List<String> options = List.of("-Dpublisher.journal.segment-bytes=1MiB", "-Dpublisher.journal.max-bytes=4MiB",
                    "-Dpublisher.journal.when-full=" + whenFull, "-Dpublisher.ring.backpressure=" + whenFull,
                    "-Dpublisher.ring.block-timeout=300ms", "-Dpublisher.circuit-breaker.enabled=false");
            DaemonProcess daemon = DaemonProcess.start(env, options, "/health/live");
            Set<String> accepted = new HashSet<>();
            int next = 0;
            HttpResponse<String> refusal = null;
            CompletableFuture<HttpResponse<String>> waiting = null;
            List<String> waitingIds = null;
            while (refusal == null && waiting == null) {
                List<String> ids = new ArrayList<>();
                String body = ndjson(topic, next, 100, ids);
                next += 100;
                long started = System.nanoTime();
                CompletableFuture<HttpResponse<String>> call = http.sendAsync(post(daemon, body), HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> r;
                try {
                    r = call.get(3, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException stillWaiting) {
                    assertThat(whenFull).as("only block leaves a request waiting for room").isEqualTo("block");
                    waiting = call;
                    waitingIds = ids;
                    break;
                }
                if (r.statusCode() == 202) {
                    accepted.addAll(ids);
                } else {
                    refusal = r;
                    if (whenFull.equals("block")) {
                        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                                .as("block waits its block timeout before refusing").isGreaterThanOrEqualTo(250);
                    }
                }
            }
            if (refusal != null) {
                assertThat(refusal.statusCode()).isEqualTo(503);
                assertThat(refusal.body()).contains("\"error\":\"journal_full\"");
                assertThat(refusal.headers().firstValue("Retry-After")).isPresent();
            }
            assertThat(accepted).as("the journal took events before it filled").isNotEmpty();
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"journal\"");

            broker.start(); // Kafka comes up: the backlog drains and segments are freed
            if (waiting != null) {
                assertThat(waiting.get(120, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
                accepted.addAll(waitingIds);
            }
            int[] counter = {next};
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                List<String> ids = new ArrayList<>();
                HttpResponse<String> r = http.send(post(daemon, ndjson(topic, counter[0], 10, ids)), HttpResponse.BodyHandlers.ofString());
                counter[0] += 10;
                if (r.statusCode() == 202) {
                    accepted.addAll(ids);
                }
                return r.statusCode() == 202;
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> daemon.metric(MetricNames.JOURNAL_UNACKNOWLEDGED) == 0);
            // Refused and accepted alike gave their bytes back: the byte budget does not leak through journal refusals.
            await().atMost(Duration.ofSeconds(10)).until(() -> daemon.metric(MetricNames.EVENTS_HELD_BYTES) == 0);
            assertThat(daemon.terminate(Duration.ofSeconds(60))).as(daemon.log()).isZero();
            daemon.close();

            Map<String, Integer> stored = HttpLoad.countIds(TopicReader.readAll(broker.bootstrapServers(), topic));
            assertThat(accepted.stream().filter(id -> !stored.containsKey(id)).limit(10).toList())
                    .as("every 202 event of %d is in Kafka", accepted.size()).isEmpty();

            DaemonProcess again = DaemonProcess.start(env, options);
            assertThat(again.metric(MetricNames.JOURNAL_CORRUPT_RECORDS)).isZero();
            assertThat(again.metric(MetricNames.JOURNAL_TRUNCATED_BYTES)).isZero();
            assertThat(again.metric(MetricNames.EVENTS_REPLAYED)).as("nothing was left to replay").isZero();
            assertThat(again.terminate(Duration.ofSeconds(60))).isZero();
            again.close();
        }
    }

    private static String ndjson(String topic, int from, int n, List<String> ids) {
        StringBuilder body = new StringBuilder();
        for (int i = from; i < from + n; i++) {
            String id = "f-" + i;
            ids.add(id);
            body.append("{\"topic\":\"").append(topic).append("\",\"key\":\"k").append(i % 5)
                    .append("\",\"value\":{\"id\":\"").append(id).append("\"}}\n");
        }
        return body.toString();
    }

    private static HttpRequest post(DaemonProcess daemon, String body) {
        return HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/v1/events")).header("Content-Type", "application/x-ndjson")
                .timeout(Duration.ofSeconds(150)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
