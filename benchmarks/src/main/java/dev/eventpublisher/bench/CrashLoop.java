package dev.eventpublisher.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The long version of {@code DaemonCrashIT}: the daemon SIGKILLed {@code --kills} times at random moments under
 * HTTP NDJSON load (2 keep-alive clients, 100 events a request) and restarted each time on the same journal,
 * against a broker in this JVM that outlives every kill. At the end every id answered 202 must be in Kafka;
 * duplicates are counted per kill. Writes {@code crash-loop.md} to the output directory.
 *
 * <pre>benchmarks/crash-loop [--kills 50] [--fsync batch|interval|none] [--out benchmarks/results]</pre>
 */
public final class CrashLoop {
    private CrashLoop() {
    }

    public static void main(String[] args) throws Exception {
        int kills = 50;
        String fsync = "batch";
        Path out = Path.of("benchmarks/results");
        Path lib = Path.of("publisher-daemon/target/publisherd/lib");
        Path config = Path.of("config");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kills" -> kills = Integer.parseInt(args[++i]);
                case "--fsync" -> fsync = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--daemon-lib" -> lib = Path.of(args[++i]);
                case "--config-dir" -> config = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Random random = new Random();
        Path journal = Files.createTempDirectory("crash-loop-journal-");
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        StringBuilder rounds = new StringBuilder();
        long started = System.nanoTime();
        long replayedTotal = 0;
        try (KafkaFixture kafka = new KafkaFixture()) {
            String topic = kafka.newTopic("crash-loop");
            int port = RunningDaemon.freePort();
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "PUBLISHER_JOURNAL_DIR", journal.toString(), "PUBLISHER_JOURNAL_FSYNC", fsync,
                    "PUBLISHER_HTTP_PORT", Integer.toString(port), "LOG_LEVEL", "INFO");
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                int client = c;
                Thread t = new Thread(() -> load("http://127.0.0.1:" + port, topic, client, accepted, stop));
                t.setDaemon(true);
                clients.add(t);
            }
            for (int round = 0; round <= kills; round++) {
                RunningDaemon daemon = RunningDaemon.start(lib, config, env);
                if (round == 0) {
                    clients.forEach(Thread::start);
                }
                long replayed = replayed(daemon.log());
                replayedTotal += replayed;
                int before = accepted.size();
                Thread.sleep(500 + random.nextInt(4_000));
                if (round < kills) {
                    daemon.kill();
                    rounds.append(String.format("| %d | %d | %d |%n", round + 1, accepted.size() - before, replayed));
                } else {
                    stop.set(true);
                    for (Thread t : clients) {
                        t.join(60_000);
                    }
                    System.out.println("final SIGTERM exit code " + daemon.stop());
                }
                System.out.printf("[crash-loop] round %d: +%d accepted, %d replayed at start%n", round, accepted.size() - before, replayed);
            }
            Map<String, Integer> stored = readAll(kafka.bootstrapServers(), topic);
            long missing = accepted.stream().filter(id -> !stored.containsKey(id)).count();
            long duplicates = stored.values().stream().mapToLong(n -> n - 1).sum();
            String report = String.format("""
                    # Crash loop

                    `benchmarks/crash-loop --kills %d --fsync %s` on %s: the daemon SIGKILLed %d times at random moments
                    (0.5–4.5 s apart) under HTTP NDJSON load, restarted each time on the same journal; took %d s.

                    - answered 202: %d events; in Kafka: %d distinct; **missing: %d**
                    - duplicates: %d (%.1f per kill; %.2f %% of the accepted events); replayed at the starts: %d

                    | kill | accepted since the start before it | replayed at that start |
                    |---|---|---|
                    %s""", kills, fsync, OffsetDateTime.now(ZoneOffset.UTC), kills, Duration.ofNanos(System.nanoTime() - started).toSeconds(),
                    accepted.size(), stored.size(), missing, duplicates, duplicates / (double) Math.max(1, kills),
                    100.0 * duplicates / Math.max(1, accepted.size()), replayedTotal, rounds);
            Files.createDirectories(out);
            Files.writeString(out.resolve("crash-loop.md"), report);
            System.out.println(report);
            if (missing > 0) {
                System.exit(1);
            }
        }
    }

    private static long replayed(String log) {
        Matcher m = Pattern.compile("replayed (\\d+) event\\(s\\)").matcher(log);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static void load(String baseUrl, String topic, int client, Set<String> accepted, AtomicBoolean stop) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (long n = 0; !stop.get(); ) {
            StringBuilder body = new StringBuilder();
            List<String> ids = new ArrayList<>(100);
            for (int e = 0; e < 100; e++, n++) {
                String id = "c" + client + "-" + n;
                ids.add(id);
                body.append("{\"topic\":\"").append(topic).append("\",\"key\":\"c").append(client)
                        .append("\",\"value\":{\"id\":\"").append(id).append("\"}}\n");
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/events"))
                        .header("Content-Type", "application/x-ndjson").timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 202) {
                    accepted.addAll(ids);
                } else {
                    Thread.sleep(50);
                }
            } catch (Exception down) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static Map<String, Integer> readAll(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "crash-loop-" + UUID.randomUUID());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String v = new String(r.value(), StandardCharsets.UTF_8);
                    counts.merge(v.substring("{\"id\":\"".length(), v.length() - 2), 1, Integer::sum);
                }
            }
        }
        return counts;
    }
}
