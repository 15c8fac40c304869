package dev.eventpublisher.daemon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The daemon as a real operating-system process, started from the packaged layout
 * ({@code target/publisherd/lib}) with the repository's {@code config/} directory, on free ports.
 */
public final class DaemonProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final Path dataDir;
    public final int httpPort;
    public final int kafkaPort;

    private DaemonProcess(Process process, Path log, Path dataDir, int httpPort, int kafkaPort) {
        this.process = process;
        this.log = log;
        this.dataDir = dataDir;
        this.httpPort = httpPort;
        this.kafkaPort = kafkaPort;
    }

    /** Starts {@code publisherd run} and waits until it reports ready (Kafka reachable). */
    public static DaemonProcess start(Map<String, String> env, List<String> jvmOptions) {
        return start(env, jvmOptions, "/health/ready");
    }

    /** Starts {@code publisherd run} and waits until {@code readyPath} answers 200 (null: until the log says ready). */
    public static DaemonProcess start(Map<String, String> env, List<String> jvmOptions, String readyPath) {
        int httpPort = env.containsKey("PUBLISHER_HTTP_PORT") ? Integer.parseInt(env.get("PUBLISHER_HTTP_PORT")) : freePort();
        int kafkaPort = env.containsKey("PUBLISHER_EMBEDDED_KAFKA_PORT")
                ? Integer.parseInt(env.get("PUBLISHER_EMBEDDED_KAFKA_PORT")) : freePort();
        try {
            Path dataDir = Files.createTempDirectory("publisherd-data-");
            Path log = Files.createTempFile("publisherd-", ".log");
            Map<String, String> environment = new HashMap<>();
            environment.put("PUBLISHER_HTTP_PORT", Integer.toString(httpPort));
            environment.put("PUBLISHER_EMBEDDED_KAFKA_PORT", Integer.toString(kafkaPort));
            environment.put("PUBLISHER_DATA_DIR", dataDir.toString());
            // Each daemon its own journal unless a test hands one over (restarts on the same data).
            environment.put("PUBLISHER_JOURNAL_DIR", dataDir.resolve("journal").toString());
            environment.putAll(env);
            ProcessBuilder builder = new ProcessBuilder(command(jvmOptions, List.of("run")))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            DaemonProcess daemon = new DaemonProcess(builder.start(), log, dataDir, httpPort, kafkaPort);
            daemon.awaitReady(readyPath, Duration.ofSeconds(90));
            return daemon;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static DaemonProcess start() {
        return start(Map.of(), List.of());
    }

    /** Runs a short command to completion: its exit code and combined output. */
    public static Result run(Map<String, String> env, List<String> jvmOptions, List<String> args) {
        try {
            Path out = Files.createTempFile("publisherd-cmd-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command(jvmOptions, args))
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
            builder.environment().remove("PUBLISHER_PROFILE");
            builder.environment().putAll(env);
            Process p = builder.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("publisherd " + args + " did not finish within 60 s: " + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Starts a publisherd command (e.g. {@code journal drain}) without waiting for it; output goes to {@code log}. */
    public static Process spawn(Map<String, String> env, List<String> args, Path log) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command(List.of(), args)).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
            builder.environment().remove("PUBLISHER_PROFILE");
            builder.environment().putAll(env);
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A finished command. */
    public record Result(int exitCode, String output) {
    }

    private static List<String> command(List<String> jvmOptions, List<String> args) {
        String lib = System.getProperty("publisherd.lib", "target/publisherd/lib");
        String config = System.getProperty("publisherd.config", "../config");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(lib + "/*");
        command.add("dev.eventpublisher.daemon.Main");
        command.addAll(args);
        if (args.stream().noneMatch(a -> a.startsWith("--config-dir"))) {
            command.add("--config-dir=" + config);
        }
        return command;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public String kafkaBootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return log;
    }

    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private void awaitReady(String readyPath, Duration timeout) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("publisherd exited with " + process.exitValue() + " before it was ready:\n" + log());
            }
            if (readyPath == null) {
                if (log().contains("publisher daemon ready")) {
                    return;
                }
            } else try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(baseUrl() + readyPath))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            try {
                process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        process.destroyForcibly();
        throw new AssertionError("publisherd not ready within " + timeout + ":\n" + log());
    }

    /** A counter's count or a gauge's value from {@code GET /metrics}; -1 if the daemon has no such metric. */
    public long metric(String name) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            com.fasterxml.jackson.databind.JsonNode all = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            if (all.path("counters").has(name)) {
                return all.path("counters").path(name).path("count").asLong();
            }
            if (all.path("gauges").has(name)) {
                return all.path("gauges").path(name).path("value").asLong();
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** SIGKILL (no shutdown hook, no drain: a crash), then waits for the process to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("publisherd survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** SIGTERM, then waits for the exit code. */
    public int terminate(Duration timeout) {
        process.destroy(); // SIGTERM on Linux
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("publisherd did not exit within " + timeout + " of SIGTERM:\n" + log());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            terminate(Duration.ofSeconds(60));
        }
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
