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
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Kafka broker (KRaft, combined broker + controller) running inside this JVM.
 *
 * <p>It is the daemon's zero-setup development broker and the broker the tests and benchmarks talk to.
 * It speaks the real Kafka protocol on a loopback port, so anything that works against it works
 * against a Kafka cluster; only replication is missing (one node).
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().build().start()) {
 *     kafka.createTopic("orders", 3);
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>Not thread-safe: start and close it from one thread.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String HOST = "127.0.0.1";

    private final int requestedPort;
    private final Path dataDir;
    private final boolean deleteDataOnClose;
    private final int defaultPartitions;
    private final Map<String, String> overrides;

    private KafkaRaftServer server;
    private int port;

    private EmbeddedKafkaBroker(Builder b) {
        this.requestedPort = b.port;
        this.defaultPartitions = b.defaultPartitions;
        this.overrides = Map.copyOf(b.overrides);
        if (b.dataDir == null) {
            try {
                this.dataDir = Files.createTempDirectory("embedded-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary Kafka data directory", e);
            }
            this.deleteDataOnClose = true;
        } else {
            this.dataDir = b.dataDir.toAbsolutePath();
            this.deleteDataOnClose = false;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Formats the data directory if it is new, then starts the broker; returns when it is serving. */
    public EmbeddedKafkaBroker start() {
        if (server != null) {
            throw new IllegalStateException("broker already started on " + bootstrapServers());
        }
        port = requestedPort == 0 ? freePort() : requestedPort;
        int controllerPort = freePort();
        Properties props = brokerProperties(port, controllerPort);
        try {
            Files.createDirectories(dataDir);
            format(props);
            KafkaRaftServer raftServer = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            try {
                raftServer.startup();
            } catch (RuntimeException e) {
                // A constructor-like step that fails closes what it already built.
                raftServer.shutdown();
                raftServer.awaitShutdown();
                throw e;
            }
            server = raftServer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka data directory " + dataDir, e);
        }
        LOG.info("embedded Kafka broker serving on {} (data in {})", bootstrapServers(), dataDir);
        return this;
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        if (port == 0) {
            throw new IllegalStateException("broker not started");
        }
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Creates a topic (replication factor 1) and waits until it exists; an existing topic is kept. */
    public void createTopic(String name, int partitions) {
        createTopics(Map.of(name, partitions));
    }

    /** Creates several topics at once (replication factor 1); existing ones are kept. */
    public void createTopics(Map<String, Integer> partitionsByTopic) {
        List<NewTopic> topics = partitionsByTopic.entrySet().stream()
                .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                .toList();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /** Stops the broker (a controlled shutdown) and, for a temporary data directory, deletes it. */
    @Override
    public void close() {
        if (server != null) {
            long startNanos = System.nanoTime();
            server.shutdown();
            server.awaitShutdown();
            server = null;
            LOG.info("embedded Kafka broker on {}:{} stopped in {} ms", HOST, port,
                    Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
        }
        if (deleteDataOnClose) {
            deleteRecursively(dataDir);
        }
    }

    private Properties brokerProperties(int brokerPort, int controllerPort) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
        p.put("num.partitions", Integer.toString(defaultPartitions));
        // One node: internal topics cannot have more replicas than that. Without the offsets factor
        // a group consumer gets nothing for 30 s.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.putAll(overrides);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    private void format(Properties props) throws IOException {
        Path propsFile = Files.createTempFile("embedded-kafka-", ".properties");
        try {
            try (OutputStream out = Files.newOutputStream(propsFile)) {
                props.store(out, "embedded Kafka broker");
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int rc;
            try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                rc = StorageTool.execute(new String[] {
                    "format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString(), "--ignore-formatted"
                }, printStream);
            }
            if (rc != 0) {
                throw new IllegalStateException("formatting Kafka storage in " + dataDir + " failed (exit " + rc
                        + "): " + output.toString(StandardCharsets.UTF_8).trim());
            }
        } finally {
            Files.deleteIfExists(propsFile);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /** Settings of an {@link EmbeddedKafkaBroker}; defaults: a free port, a temporary data directory. */
    public static final class Builder {
        private int port;
        private Path dataDir;
        private int defaultPartitions = 3;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder() {
        }

        /** Listener port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("invalid port=" + port + ": must be 0..65535");
            }
            this.port = port;
            return this;
        }

        /** A data directory kept across restarts; by default a temporary one deleted on close. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** Partitions of auto-created topics (broker setting {@code num.partitions}); default 3. */
        public Builder defaultPartitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("invalid defaultPartitions=" + partitions + ": must be >= 1");
            }
            this.defaultPartitions = partitions;
            return this;
        }

        /** Any broker property; applied last. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker(this);
        }
    }
}
