package dev.eventpublisher.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Kafka broker (KRaft, combined broker + controller) running inside this JVM.
 *
 * <p>It is the daemon's zero-setup development broker and the broker the tests and benchmarks talk to.
 * It speaks the real Kafka protocol on a loopback port, so anything that works against it works
 * against a Kafka cluster; only replication is missing (one node). It can be stopped and started
 * again on the same port with its data ({@link #stop()}, {@link #start()}), and can require SASL/PLAIN
 * authentication from clients.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().build().start()) {
 *     kafka.createTopic("orders", 3);
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>Not thread-safe: start, stop and close it from one thread.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String HOST = KafkaNode.HOST;

    private final int requestedPort;
    private final Path dataDir;
    private final boolean deleteDataOnClose;
    private final int defaultPartitions;
    private final Map<String, String> overrides;
    private final Map<String, String> saslUsers;
    private final String clusterId;

    private KafkaNode node;
    private int port;
    private int internalPort;

    private EmbeddedKafkaBroker(Builder b) {
        this.requestedPort = b.port;
        this.defaultPartitions = b.defaultPartitions;
        this.overrides = Map.copyOf(b.overrides);
        this.saslUsers = Map.copyOf(b.saslUsers);
        this.clusterId = existingClusterId(b.dataDir).orElseGet(() -> Uuid.randomUuid().toString());
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

    /** A data directory from an earlier run keeps its cluster id, or the broker refuses to start. */
    private static java.util.Optional<String> existingClusterId(Path dataDir) {
        if (dataDir == null) {
            return java.util.Optional.empty();
        }
        Path meta = dataDir.resolve("meta.properties");
        if (!Files.isRegularFile(meta)) {
            return java.util.Optional.empty();
        }
        java.util.Properties properties = new java.util.Properties();
        try (var in = Files.newInputStream(meta)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + meta, e);
        }
        return java.util.Optional.ofNullable(properties.getProperty("cluster.id"));
    }

    /**
     * Formats the data directory if it is new, then starts the broker; returns when it is serving.
     * After {@link #stop()} it starts again on the same port with the same data.
     */
    public EmbeddedKafkaBroker start() {
        if (node == null) {
            port = requestedPort == 0 ? KafkaNode.freePort() : requestedPort;
            internalPort = saslUsers.isEmpty() ? port : otherFreePort(port, -1);
            // A port probed free can be handed out again at once: never let the controller get one already chosen.
            node = new KafkaNode(brokerProperties(otherFreePort(port, internalPort)), dataDir, clusterId);
        }
        long startNanos = System.nanoTime();
        node.start();
        LOG.info("embedded Kafka broker serving on {} (data in {}, started in {} ms)", bootstrapServers(), dataDir,
                Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
        return this;
    }

    /** Stops the broker (a controlled shutdown), keeping its data and port for {@link #start()}. */
    public void stop() {
        if (node != null && node.isRunning()) {
            long startNanos = System.nanoTime();
            node.stop();
            LOG.info("embedded Kafka broker on {}:{} stopped in {} ms", HOST, port,
                    Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
        }
    }

    public boolean isRunning() {
        return node != null && node.isRunning();
    }

    /** {@code host:port} of the client listener, for {@code bootstrap.servers}. */
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
        createTopic(name, partitions, Map.of());
    }

    /** Creates a topic with topic configs (e.g. {@code max.message.bytes}); an existing topic is kept. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)));
    }

    /** Creates several topics at once (replication factor 1); existing ones are kept. */
    public void createTopics(Map<String, Integer> partitionsByTopic) {
        createTopics(partitionsByTopic.entrySet().stream()
                .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                .toList());
    }

    private void createTopics(List<NewTopic> topics) {
        // The internal listener needs no credentials, also when clients must authenticate.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + internalPort))) {
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

    /** Stops the broker and, for a temporary data directory, deletes it. */
    @Override
    public void close() {
        stop();
        if (deleteDataOnClose) {
            KafkaNode.deleteRecursively(dataDir);
        }
    }

    /** A free port that is neither {@code a} nor {@code b} (both chosen, but not bound yet). */
    private static int otherFreePort(int a, int b) {
        for (int attempt = 0; attempt < 20; attempt++) {
            int candidate = KafkaNode.freePort();
            if (candidate != a && candidate != b) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free port other than " + a + " and " + b);
    }

    private Map<String, String> brokerProperties(int controllerPort) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        if (saslUsers.isEmpty()) {
            p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("inter.broker.listener.name", "PLAINTEXT");
        } else {
            p.put("listeners", "SASL_PLAINTEXT://" + HOST + ":" + port + ",INTERNAL://" + HOST + ":" + internalPort
                    + ",CONTROLLER://" + HOST + ":" + controllerPort);
            p.put("advertised.listeners", "SASL_PLAINTEXT://" + HOST + ":" + port + ",INTERNAL://" + HOST + ":" + internalPort);
            p.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("inter.broker.listener.name", "INTERNAL");
            p.put("sasl.enabled.mechanisms", "PLAIN");
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            saslUsers.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
            p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
        }
        p.put("num.partitions", Integer.toString(defaultPartitions));
        // One node: internal topics cannot have more replicas than that. Without the offsets factor
        // a group consumer gets nothing for 30 s.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.putAll(overrides);
        return p;
    }

    /** Settings of an {@link EmbeddedKafkaBroker}; defaults: a free port, a temporary data directory. */
    public static final class Builder {
        private int port;
        private Path dataDir;
        private int defaultPartitions = 3;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private final Map<String, String> saslUsers = new LinkedHashMap<>();

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

        /**
         * Clients must authenticate with SASL/PLAIN as one of these users ({@code security.protocol=SASL_PLAINTEXT},
         * {@code sasl.mechanism=PLAIN}); the broker keeps an unauthenticated internal listener for itself.
         */
        public Builder saslPlainUser(String user, String password) {
            saslUsers.put(Objects.requireNonNull(user, "user"), Objects.requireNonNull(password, "password"));
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
