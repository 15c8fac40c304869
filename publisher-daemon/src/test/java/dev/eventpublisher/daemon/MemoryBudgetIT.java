package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import dev.eventpublisher.daemon.testing.BrokerProcess;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A burst of 1 MiB events into a daemon with a small heap ({@code -Xmx256m}; the broker is a process of its own so
 * the heap is the daemon's alone): the byte budget ({@code ring.max-bytes}, by default a quarter of the heap) holds
 * what the daemon keeps in memory, refusing with 503 {@code memory_full} past it, so the daemon never runs out of
 * memory ({@code -XX:+ExitOnOutOfMemoryError} would end it) and every event answered 202 is in Kafka, byte for
 * byte. Timeouts are hang guards only.
 */
class MemoryBudgetIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Just under the producer's max.request.size (1 MiB) once Kafka's record overhead is added. */
    private static final int VALUE_BYTES = 1024 * 1024 - 1024;
    private static final int CLIENTS = 8;
    private static final int EVENTS = 400;

    @Test
    void shouldHoldABurstOfOneMebibyteEventsWithinTheBudgetOfASmallHeapAndDeliverEveryAcceptedOne() throws Exception {
        try (BrokerProcess broker = BrokerProcess.launch()) {
            DaemonProcess daemon = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()),
                    List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
            try {
                String topic = "big-events";
                Set<String> acceptedDigests = ConcurrentHashMap.newKeySet();
                Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
                Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
                AtomicInteger next = new AtomicInteger();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    Thread t = new Thread(() -> burst(daemon, topic, client, next, acceptedDigests, statuses, refusals), "burst-" + c);
                    t.start();
                    clients.add(t);
                }
                for (Thread t : clients) {
                    t.join(Duration.ofMinutes(5).toMillis());
                    assertThat(t.isAlive()).as("client %s still running", t.getName()).isFalse();
                }
                assertThat(daemon.isAlive()).as("the daemon ran out of memory? %s", tail(daemon.log())).isTrue();
                assertThat(acceptedDigests).as("statuses %s", statuses).hasSize(EVENTS);
                // The burst is larger than the budget: it was refused for memory, not for ring slots.
                assertThat(refusals).as("503 error codes").containsKey("memory_full");

                Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> daemon.metric("events.acknowledged") >= EVENTS);
                assertThat(daemon.metric("events.failed")).isZero();
                assertThat(daemon.metric("events.held-bytes")).as("every event's bytes given back").isZero();
                assertThat(daemon.log()).doesNotContain("OutOfMemoryError");

                Set<String> inKafka = ConcurrentHashMap.newKeySet();
                List<ConsumerRecord<byte[], byte[]>> read = TopicReader.readAll(broker.bootstrapServers(), topic);
                for (ConsumerRecord<byte[], byte[]> r : read) {
                    inKafka.add(digest(r.value()));
                }
                assertThat(read).hasSize(EVENTS);
                assertThat(inKafka).isEqualTo(acceptedDigests);
                System.out.printf("MemoryBudgetIT: %d events of %d bytes accepted; statuses %s, 503 codes %s%n", EVENTS,
                        VALUE_BYTES, statuses, refusals);
            } finally {
                assertThat(daemon.terminate(Duration.ofSeconds(60))).as(tail(daemon.log())).isZero();
                daemon.close();
            }
        }
    }

    /** Posts until {@link #EVENTS} events are accepted in all; a 503 (memory_full, ring_full) is tried again with the same body. */
    private static void burst(DaemonProcess daemon, String topic, int client, AtomicInteger next, Set<String> accepted,
                              Map<Integer, LongAdder> statuses, Map<String, LongAdder> refusals) {
        Random random = new Random(client);
        byte[] value = new byte[VALUE_BYTES];
        for (int n; (n = next.getAndIncrement()) < EVENTS; ) {
            // A JSON string of random letters: the body is the event's value, byte for byte.
            value[0] = '"';
            for (int i = 1; i < VALUE_BYTES - 1; i++) {
                value[i] = (byte) ('a' + random.nextInt(26));
            }
            value[VALUE_BYTES - 1] = '"';
            byte[] id = ("e" + n + "-").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(id, 0, value, 1, id.length);
            while (true) {
                HttpResponse<String> response;
                try {
                    response = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/v1/events/" + topic))
                                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(value)).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError("client " + client + ": " + e, e);
                }
                int status = response.statusCode();
                statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                if (status == 202) {
                    accepted.add(digest(value));
                    break;
                }
                assertThat(status).as("only refusals for lack of room are expected: %s", response.body()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                refusals.computeIfAbsent(errorCode(response.body()), s -> new LongAdder()).increment();
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
        }
    }

    private static String errorCode(String body) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("error").asText("(none)");
        } catch (java.io.IOException e) {
            return "(not JSON: " + body + ")";
        }
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String tail(String log) {
        return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
    }
}
