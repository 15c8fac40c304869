package dev.eventpublisher.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several real Kafka brokers and one KRaft controller inside this JVM, for fault tests: replicated
 * topics, a partition leader stopped mid-stream, restarted later.
 *
 * <p>Brokers run with {@code controlled.shutdown.enable=false}, so {@link #stopBroker(int)} does not hand
 * leadership over first: the cluster learns of the loss from the missed heartbeats, as after a crash
 * (the closest a broker inside a JVM gets to {@code kill -9}; its log is still flushed on the way out).
 * Heartbeats are 500 ms and the session 2 s, so a failover takes about two seconds.
 *
 * <p>Not thread-safe.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    private static final String HOST = KafkaNode.HOST;
    private static final int CONTROLLER_ID = 1000;

    private final Path dataDir;
    private final KafkaNode controller;
    private final List<KafkaNode> brokers = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    /** A cluster of {@code brokerCount} brokers (node ids 1..n) and one controller. */
    public EmbeddedKafkaCluster(int brokerCount) {
        try {
            dataDir = Files.createTempDirectory("embedded-kafka-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String clusterId = Uuid.randomUuid().toString();
        int controllerPort = KafkaNode.freePort();
        String voters = CONTROLLER_ID + "@" + HOST + ":" + controllerPort;

        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "controller");
        c.put("node.id", Integer.toString(CONTROLLER_ID));
        c.put("controller.quorum.voters", voters);
        c.put("listeners", "CONTROLLER://" + HOST + ":" + controllerPort);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        c.put("broker.session.timeout.ms", "2000");
        controller = new KafkaNode(c, dataDir.resolve("controller"), clusterId);

        int replicas = Math.min(3, brokerCount);
        for (int i = 1; i <= brokerCount; i++) {
            int port = KafkaNode.freePort();
            ports.add(port);
            Map<String, String> b = new LinkedHashMap<>();
            b.put("process.roles", "broker");
            b.put("node.id", Integer.toString(i));
            b.put("controller.quorum.voters", voters);
            b.put("controller.listener.names", "CONTROLLER");
            b.put("listeners", "PLAINTEXT://" + HOST + ":" + port);
            b.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
            b.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
            b.put("inter.broker.listener.name", "PLAINTEXT");
            b.put("broker.heartbeat.interval.ms", "500");
            b.put("broker.session.timeout.ms", "2000");
            b.put("controlled.shutdown.enable", "false");
            b.put("offsets.topic.replication.factor", Integer.toString(replicas));
            b.put("transaction.state.log.replication.factor", Integer.toString(replicas));
            b.put("transaction.state.log.min.isr", Integer.toString(Math.max(1, replicas - 1)));
            b.put("group.initial.rebalance.delay.ms", "0");
            b.put("replica.lag.time.max.ms", "5000");
            b.put("auto.create.topics.enable", "false");
            brokers.add(new KafkaNode(b, dataDir.resolve("broker-" + i), clusterId));
        }
    }

    /** Starts the controller, then every broker; returns when all are up. */
    public EmbeddedKafkaCluster start() {
        controller.start();
        for (KafkaNode broker : brokers) {
            broker.start();
        }
        LOG.info("embedded Kafka cluster of {} brokers serving on {}", brokers.size(), bootstrapServers());
        return this;
    }

    public String bootstrapServers() {
        return ports.stream().map(p -> HOST + ":" + p).collect(Collectors.joining(","));
    }

    /** Creates a topic and waits until every partition has a leader and a full ISR. */
    public void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) replicationFactor).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                TopicDescription d = describe(admin, name);
                if (d != null && d.partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() == replicationFactor)) {
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            throw new IllegalStateException("topic " + name + " did not get leaders and full ISRs in 30 s");
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The node id (1..n) of the leader of {@code topic}'s {@code partition}, or -1 without one. */
    public int leaderOf(String topic, int partition) {
        try (Admin admin = admin()) {
            TopicDescription d = describe(admin, topic);
            if (d == null) {
                return -1;
            }
            TopicPartitionInfo info = d.partitions().get(partition);
            return info.leader() == null ? -1 : info.leader().id();
        }
    }

    /** In-sync replicas of {@code topic}'s {@code partition}. */
    public int isrSize(String topic, int partition) {
        try (Admin admin = admin()) {
            TopicDescription d = describe(admin, topic);
            return d == null ? 0 : d.partitions().get(partition).isr().size();
        }
    }

    /** Stops broker {@code nodeId} without handing over leadership first. */
    public void stopBroker(int nodeId) {
        long start = System.nanoTime();
        brokers.get(nodeId - 1).stop();
        LOG.warn("broker {} stopped (no controlled shutdown) in {} ms", nodeId,
                Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    /** Starts broker {@code nodeId} again with its data. */
    public void restartBroker(int nodeId) {
        long start = System.nanoTime();
        brokers.get(nodeId - 1).start();
        LOG.warn("broker {} restarted in {} ms", nodeId, Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000", AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000"));
    }

    private static TopicDescription describe(Admin admin, String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void close() {
        for (KafkaNode broker : brokers) {
            try {
                broker.stop();
            } catch (RuntimeException e) {
                LOG.warn("stopping a broker failed: {}", e.toString());
            }
        }
        controller.stop();
        KafkaNode.deleteRecursively(dataDir);
    }
}
