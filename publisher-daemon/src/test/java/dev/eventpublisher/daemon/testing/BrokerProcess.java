package dev.eventpublisher.daemon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.kafka.embedded.BrokerMain;

/**
 * A real single-node KRaft broker as its own process (the daemon's packaged layout has the server jars),
 * so a test can SIGKILL it and start it again on the same port and data — what an in-JVM broker cannot do.
 */
public final class BrokerProcess implements AutoCloseable {
    private final int port;
    private final Path dataDir;
    private final Path log;
    private final List<String> properties;
    private Process process;

    private BrokerProcess(int port, Path dataDir, List<String> properties) {
        this.port = port;
        this.dataDir = dataDir;
        this.properties = properties;
        try {
            this.log = Files.createTempFile("broker-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a broker on a free port with a new data directory; {@code properties} are {@code key=value} broker settings. */
    public static BrokerProcess launch(String... properties) {
        try {
            BrokerProcess broker = new BrokerProcess(DaemonProcess.freePort(), Files.createTempDirectory("broker-data-"),
                    List.of(properties));
            broker.start();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A broker that will listen on a free port once {@link #start()} is called (its clients can be started first). */
    public static BrokerProcess notStarted() {
        try {
            return new BrokerProcess(DaemonProcess.freePort(), Files.createTempDirectory("broker-data-"), List.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts (or starts again, on the same port and data) and waits until it serves. */
    public void start() {
        String lib = System.getProperty("publisherd.lib", "target/publisherd/lib");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", lib + "/*", BrokerMain.class.getName(),
                "--port", Integer.toString(port), "--data-dir", dataDir.toString(), "--partitions", "3"));
        for (String property : properties) {
            command.add("--property");
            command.add(property);
        }
        try {
            long linesBefore = Files.readAllLines(log, StandardCharsets.UTF_8).size();
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (true) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                if (lines.stream().skip(linesBefore).anyMatch(l -> l.startsWith(BrokerMain.READY))) {
                    return;
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("broker did not start on port " + port + ":\n" + String.join("\n", lines));
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * SIGSTOP: the broker freezes with its connections open — clients see no reset, only requests that are
     * never answered (a hung machine, a long GC pause). {@link #resume()} sends SIGCONT.
     */
    public void pause() {
        signal("STOP");
    }

    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** SIGKILL: no controlled shutdown, no log flush — what a crashed broker leaves. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
