package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.eventpublisher.daemon.testing.ContractHttp;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.daemon.testing.HttpLoad;
import dev.eventpublisher.daemon.testing.KillLoop;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Idempotency-Key window survives {@code kill -9} with the journal on: a client that retries after the
 * crash gets the first answer and adds nothing. The daemon runs exactly-once, so every copy a
 * {@code read_committed} consumer finds beyond one would be the retry's doing.
 */
@ExtendWith(SharedKafkaBroker.class)
class IdempotencyRestartIT {
    private static final String NDJSON = "application/x-ndjson";

    private static Map<String, String> env(Path journal, int port) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", SharedKafkaBroker.bootstrapServers());
        env.put("PUBLISHER_DELIVERY", "exactly-once");
        env.put("PUBLISHER_JOURNAL_ENABLED", "true");
        env.put("PUBLISHER_JOURNAL_DIR", journal.toString());
        env.put("PUBLISHER_HTTP_PORT", Integer.toString(port));
        return env;
    }

    private static String body(String topic, int n, String tag) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("{\"topic\":\"").append(topic).append("\",\"value\":\"").append(tag).append('-').append(i).append("\"}\n");
        }
        return b.toString();
    }

    private static long withKey(List<ConsumerRecord<byte[], byte[]>> records, String key) {
        return records.stream().filter(r -> {
            Header h = r.headers().lastHeader("idempotency-key");
            return h != null && key.equals(new String(h.value(), StandardCharsets.UTF_8));
        }).count();
    }

    /**
     * Two keys answered 202, then SIGKILL while their transaction (10 s interval) is still open. One key is
     * found again in the key log; the other's log is deleted first, as if the crash had come between the
     * journal's acceptance and the log's append, and is rebuilt from the journal's replay.
     */
    @Test
    void shouldAnswerARetryAfterSigkillFromTheKeyLogOrTheJournal() throws Exception {
        String topic = "idem-restart-" + System.nanoTime();
        SharedKafkaBroker.broker().createTopic(topic, 3);
        Path journal = Files.createTempDirectory("idem-journal-");
        Path config = Files.createTempFile("idem-", ".conf");
        Files.writeString(config, "publisher.transaction.interval = 10s\n");
        Map<String, String> env = env(journal, DaemonProcess.freePort());
        String logged = body(topic, 3, "logged");
        String rebuilt = body(topic, 4, "rebuilt");

        DaemonProcess first = DaemonProcess.start(env, List.of("-Dconfig.file=" + config));
        ContractHttp http = new ContractHttp(first.baseUrl());
        HttpResponse<String> a = http.post("/v1/events", logged, "Content-Type", NDJSON, "Idempotency-Key", "logged-1");
        assertThat(a.statusCode()).isEqualTo(202);
        first.kill();
        first.close();

        DaemonProcess second = DaemonProcess.start(env, List.of("-Dconfig.file=" + config));
        HttpResponse<String> b = http.post("/v1/events", rebuilt, "Content-Type", NDJSON, "Idempotency-Key", "rebuilt-1");
        assertThat(b.statusCode()).isEqualTo(202);
        second.kill();
        second.close();
        try (Stream<Path> files = Files.list(journal.resolve("idempotency"))) {
            for (Path f : files.toList()) {
                List<String> lines = Files.readAllLines(f).stream().filter(l -> !l.contains("\"rebuilt-1\"")).toList();
                Files.write(f, lines); // the crash came before "rebuilt-1" reached the key log
            }
        }

        DaemonProcess third = DaemonProcess.start(env, List.of("-Dconfig.file=" + config));
        try {
            HttpResponse<String> again = http.post("/v1/events", logged, "Content-Type", NDJSON, "Idempotency-Key", "logged-1");
            assertThat(again.statusCode()).isEqualTo(202);
            assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            HttpResponse<String> fromJournal = http.post("/v1/events", rebuilt, "Content-Type", NDJSON,
                    "Idempotency-Key", "rebuilt-1");
            assertThat(fromJournal.statusCode()).as(third.log()).isEqualTo(202);
            assertThat(fromJournal.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(fromJournal.body()).isEqualTo("{\"accepted\":4}");
            assertThat(http.post("/v1/events", body(topic, 4, "other"), "Content-Type", NDJSON,
                    "Idempotency-Key", "rebuilt-1").statusCode()).as("the journal's copy gives the fingerprint").isEqualTo(422);
            assertThat(http.post("/v1/flush", null).statusCode()).isEqualTo(200);

            // read_committed sees a commit once Kafka has written its markers, a moment after the commit returns.
            List<List<ConsumerRecord<byte[], byte[]>>> read = new java.util.ArrayList<>();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                read.add(0, TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic));
                return read.get(0).size() >= 7;
            });
            List<ConsumerRecord<byte[], byte[]>> records = read.get(0);
            assertThat(withKey(records, "logged-1")).isEqualTo(3);
            assertThat(withKey(records, "rebuilt-1")).isEqualTo(4);
            assertThat(records).hasSize(7);
            assertThat(third.terminate(Duration.ofSeconds(60))).isZero();
        } finally {
            third.close();
        }
    }

    /** SIGKILL 3 times under keyed NDJSON load whose clients retry every unanswered request with its key. */
    @Test
    void shouldNotDuplicateEventsOfRetriedRequestsThroughRepeatedSigkills() throws Exception {
        String topic = "idem-kill-loop-" + System.nanoTime();
        SharedKafkaBroker.broker().createTopic(topic, 3);
        KillLoop.Result loop = KillLoop.run(SharedKafkaBroker.bootstrapServers(), topic, 3, 11,
                Map.of("PUBLISHER_DELIVERY", "exactly-once"), log -> 0, true);
        HttpLoad load = loop.load();
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic);
        Map<String, Integer> stored = HttpLoad.countIds(records);
        System.out.printf("IdempotencyRestartIT: %s; %d records in Kafka, %d distinct%n%s%n", load.summary(),
                records.size(), stored.size(), loop.story());
        assertThat(load.accepted().stream().filter(id -> !stored.containsKey(id)).limit(10).toList())
                .as("every event answered 202 is in Kafka (%s)", load.summary()).isEmpty();
        assertThat(HttpLoad.duplicated(records)).as("no event twice, though requests were retried (%s)", load.summary())
                .isEmpty();
    }
}
