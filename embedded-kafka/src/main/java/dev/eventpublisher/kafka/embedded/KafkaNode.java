package dev.eventpublisher.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One KRaft process (broker, controller or both) inside this JVM: formats its log directory once,
 * then starts and stops as often as asked with the same properties. Used by {@link EmbeddedKafkaBroker}
 * and {@link EmbeddedKafkaCluster}. Not thread-safe.
 */
final class KafkaNode {
    static final String HOST = "127.0.0.1";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaNode.class);

    private final Properties properties;
    private final Path logDir;
    private final String clusterId;
    private KafkaRaftServer server;

    KafkaNode(Map<String, String> properties, Path logDir, String clusterId) {
        this.properties = new Properties();
        this.properties.putAll(properties);
        this.properties.put("log.dirs", logDir.toString());
        this.logDir = logDir;
        this.clusterId = clusterId;
    }

    boolean isRunning() {
        return server != null;
    }

    /** Formats the log directory if it is new, then starts; returns when the node is up. */
    void start() {
        if (server != null) {
            return;
        }
        try {
            Files.createDirectories(logDir);
            format();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka data directory " + logDir, e);
        }
        KafkaRaftServer raftServer = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
        try {
            raftServer.startup();
        } catch (RuntimeException e) {
            raftServer.shutdown();
            raftServer.awaitShutdown();
            throw e;
        }
        server = raftServer;
    }

    /** Stops the node, keeping its data for a later {@link #start()}. */
    void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    private void format() throws IOException {
        Path propsFile = Files.createTempFile("kafka-node-", ".properties");
        try {
            try (OutputStream out = Files.newOutputStream(propsFile)) {
                properties.store(out, "embedded Kafka node");
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int rc;
            try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                rc = StorageTool.execute(new String[] {
                    "format", "-t", clusterId, "-c", propsFile.toString(), "--ignore-formatted"
                }, printStream);
            }
            if (rc != 0) {
                throw new IllegalStateException("formatting Kafka storage in " + logDir + " failed (exit " + rc + "): "
                        + output.toString(StandardCharsets.UTF_8).trim());
            }
        } finally {
            Files.deleteIfExists(propsFile);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }
}
