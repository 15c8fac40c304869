package dev.eventpublisher.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The packaged daemon as a process for the HTTP benchmark and the soak run: embedded broker, default
 * development settings, free ports, a temporary data directory, warnings-only logging.
 */
final class RunningDaemon implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path work;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String baseUrl;
    /** The embedded broker's address (null when the daemon was pointed at another Kafka). */
    final String kafkaBootstrap;

    private RunningDaemon(Process process, Path work, String baseUrl, String kafkaBootstrap) {
        this.process = process;
        this.work = work;
        this.baseUrl = baseUrl;
        this.kafkaBootstrap = kafkaBootstrap;
    }

    /** Starts the daemon (default settings) and waits until it is ready. */
    static RunningDaemon start(Path daemonLib, Path configDir) throws Exception {
        return start(daemonLib, configDir, java.util.Map.of());
    }

    /**
     * Starts the daemon with extra environment variables (e.g. {@code PUBLISHER_JOURNAL_FSYNC}) and waits until
     * it is ready. Ports are picked free but bound later, so a rare collision (the embedded broker's controller
     * taking the HTTP port) makes the daemon exit: then it is started again on new ports, up to three times.
     */
    static RunningDaemon start(Path daemonLib, Path configDir, java.util.Map<String, String> env) throws Exception {
        return start(daemonLib, configDir, env, java.util.List.of());
    }

    /** {@link #start(Path, Path, java.util.Map)} with extra JVM arguments, e.g. {@code -Dpublisher.ring.wait-strategy=backoff}. */
    static RunningDaemon start(Path daemonLib, Path configDir, java.util.Map<String, String> env, java.util.List<String> jvmArgs)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(daemonLib, configDir, env, jvmArgs);
            } catch (IllegalStateException e) {
                if (attempt == 3 || env.containsKey("PUBLISHER_HTTP_PORT") || !e.getMessage().startsWith("daemon exited")) {
                    throw e;
                }
                System.out.println("[bench] the daemon could not start (port collision?); starting it again on new ports");
            }
        }
    }

    private static RunningDaemon startOnce(Path daemonLib, Path configDir, java.util.Map<String, String> env,
                                           java.util.List<String> jvmArgs) throws Exception {
        Path work = Files.createTempDirectory("bench-daemon-");
        int port = env.containsKey("PUBLISHER_HTTP_PORT") ? Integer.parseInt(env.get("PUBLISHER_HTTP_PORT")) : freePort();
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        command.addAll(jvmArgs);
        command.addAll(java.util.List.of("-cp", daemonLib + "/*", "dev.eventpublisher.daemon.Main", "run", "--config-dir=" + configDir));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(work.resolve("daemon.log").toFile());
        builder.environment().put("PUBLISHER_HTTP_PORT", Integer.toString(port));
        int kafkaPort = freePort();
        builder.environment().put("PUBLISHER_EMBEDDED_KAFKA_PORT", Integer.toString(kafkaPort));
        builder.environment().put("PUBLISHER_DATA_DIR", work.resolve("kafka").toString());
        builder.environment().put("PUBLISHER_JOURNAL_DIR", work.resolve("journal").toString());
        builder.environment().put("LOG_LEVEL", "WARN");
        builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
        builder.environment().remove("PUBLISHER_PROFILE");
        builder.environment().putAll(env);
        RunningDaemon daemon = new RunningDaemon(builder.start(), work, "http://127.0.0.1:" + port,
                env.containsKey("KAFKA_BOOTSTRAP_SERVERS") ? null : "127.0.0.1:" + kafkaPort);
        try {
            daemon.awaitReady();
            if (!env.containsKey("KAFKA_BOOTSTRAP_SERVERS")) {
                createBenchTopics("127.0.0.1:" + kafkaPort);
            }
            return daemon;
        } catch (Exception | Error e) {
            daemon.close();
            throw e;
        }
    }

    /**
     * Creates the benchmark topics and waits until every partition has its leader, before any load. A topic
     * auto-created by the first produce request races its own leader election: an idempotent producer's first
     * batch can fail with NOT_LEADER_OR_FOLLOWER while a later batch is taken, and the retried first batch is
     * then out of sequence and retried until {@code delivery.timeout.ms} — throttling that partition for two
     * minutes and skewing whatever is measured (seen in two full runs of benchmarks/journal: HTTP at 0.15x).
     */
    private static void createBenchTopics(String bootstrap) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", bootstrap))) {
            java.util.List<String> names = java.util.List.of("bench-ndjson", "bench-single");
            admin.createTopics(names.stream().map(t -> new org.apache.kafka.clients.admin.NewTopic(t, 3, (short) 1)).toList())
                    .all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                boolean led = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (led) {
                    return;
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Live heap: forces a full collection in the daemon ({@code jcmd <pid> GC.run}) and reads the heap in
     * use after it, in MB. Without a full collection "after GC" includes old garbage G1 has not reached yet.
     */
    double liveHeapMb() throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()), "GC.run").redirectErrorStream(true).start();
        jcmd.getInputStream().readAllBytes();
        jcmd.waitFor(60, TimeUnit.SECONDS);
        TimeUnit.SECONDS.sleep(1); // the GC notification is delivered asynchronously
        return metrics().get("gauges").get("jvm.heap.used-after-gc").get("value").asDouble() / (1024 * 1024);
    }

    long pid() {
        return process.pid();
    }

    HttpClient http() {
        return http;
    }

    Path workDir() {
        return work;
    }

    JsonNode metrics() throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    long counter(String name) throws Exception {
        return metrics().get("counters").get(name).get("count").asLong();
    }

    void flush() throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/flush")).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    }

    /** SIGKILL: a crash; waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    String log() throws IOException {
        return Files.readString(work.resolve("daemon.log"));
    }

    /** SIGTERM, then the exit code (-1 if it did not exit within 90 s). */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited: " + Files.readString(work.resolve("daemon.log")));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            process.waitFor(200, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("daemon not ready in 120 s: " + Files.readString(work.resolve("daemon.log")));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
        // The daemon's broker data, journal and log: a benchmark leaves nothing behind in the temp directory.
        try (java.util.stream.Stream<Path> files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            System.out.println("[bench] could not delete " + work + ": " + e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
