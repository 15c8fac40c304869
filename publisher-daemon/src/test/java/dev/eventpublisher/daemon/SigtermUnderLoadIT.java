package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIGTERM while HTTP clients are posting: the daemon stops accepting, drains, and exits 0; every
 * event it answered 202 is in Kafka afterwards, exactly once. The broker lives in the test JVM so it
 * outlives the daemon.
 */
@ExtendWith(SharedKafkaBroker.class)
class SigtermUnderLoadIT {

    @Test
    void shouldDeliverEveryAcceptedEventWhenTerminatedUnderLoad() throws Exception {
        String topic = "sigterm-" + System.nanoTime();
        SharedKafkaBroker.broker().createTopic(topic, 3);
        Set<String> acknowledgedByHttp = ConcurrentHashMap.newKeySet();
        Set<String> sent = ConcurrentHashMap.newKeySet();
        AtomicInteger refusals = new AtomicInteger();
        int clients = 4;

        try (DaemonProcess daemon = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers()),
                List.of())) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<?>> loops = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                loops.add(pool.submit(() -> {
                    for (int request = 0; ; request++) {
                        StringBuilder body = new StringBuilder();
                        List<String> ids = new ArrayList<>();
                        for (int e = 0; e < 50; e++) {
                            String id = "c" + client + "-r" + request + "-e" + e;
                            ids.add(id);
                            body.append("{\"topic\":\"").append(topic).append("\",\"key\":\"c").append(client)
                                    .append("\",\"value\":{\"id\":\"").append(id).append("\"}}\n");
                        }
                        sent.addAll(ids);
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/v1/events"))
                                    .header("Content-Type", "application/x-ndjson").timeout(Duration.ofSeconds(30))
                                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 202) {
                                acknowledgedByHttp.addAll(ids);
                            } else {
                                refusals.incrementAndGet();
                            }
                        } catch (java.io.IOException closed) {
                            return null; // the daemon stopped listening
                        }
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledgedByHttp.size() >= 20_000);

            int exit = daemon.terminate(Duration.ofSeconds(90));

            for (Future<?> loop : loops) {
                loop.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(exit).as(daemon.log()).isZero();
            assertThat(daemon.log()).contains("publisher drained:").contains("unresolved=0").contains("failed=0");
        }

        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic);
        Set<String> stored = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            String id = value.substring("{\"id\":\"".length(), value.length() - 2);
            assertThat(stored.add(id)).as("duplicate %s", id).isTrue();
        }
        assertThat(stored).as("every 202-answered event is in Kafka").containsAll(acknowledgedByHttp);
        assertThat(sent).as("nothing in Kafka that was never sent").containsAll(stored);
    }
}
