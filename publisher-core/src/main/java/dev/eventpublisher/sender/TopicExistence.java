package dev.eventpublisher.sender;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Kafka which topics exist, many in one request, and whether a missing one would be created by a producer
 * asking for it. The producer's own metadata wait cannot tell a topic Kafka is creating from one it never will
 * (both are "not present in metadata" until {@code max.block.ms}); held on a lookup thread per topic, a few
 * hundred missing topics took minutes. An {@link Admin} client, made on first need with the producer's connection
 * settings, answers for a whole flush's new topics at once.
 *
 * <p>Threads: called from the lookup threads ({@link TopicMetadata}); Admin is thread-safe.
 */
final class TopicExistence {
    private static final Logger LOG = LoggerFactory.getLogger(TopicExistence.class);
    private static final long ANSWER_WITHIN_MS = 5_000;
    private static final String AUTO_CREATE = "auto.create.topics.enable";

    /** What Kafka said of one topic. */
    enum Existence { EXISTS, MISSING, UNKNOWN }

    private final Map<String, Object> adminProperties;
    private final boolean producerMayCreate;
    private Admin admin;
    private boolean closed;
    /** The broker's auto.create.topics.enable once read; null until then. */
    private volatile Boolean brokerAutoCreates;
    /** When reading it last failed: not asked again for a while, the answer is "yes" meanwhile. */
    private volatile long readFailedAt;
    private volatile boolean readFailed;

    TopicExistence(Map<String, Object> producerProperties) {
        Map<String, Object> p = new HashMap<>();
        producerProperties.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, producerProperties.getOrDefault(AdminClientConfig.CLIENT_ID_CONFIG, "publisher")
                + "-topics");
        this.adminProperties = p;
        Object allow = producerProperties.get("allow.auto.create.topics");
        this.producerMayCreate = allow == null || Boolean.parseBoolean(allow.toString().trim());
    }

    /** One describe request for all {@code topics}; UNKNOWN for each Kafka did not answer (down, not authorised). */
    Map<String, Existence> describe(Collection<String> topics) {
        Map<String, Existence> answers = new HashMap<>();
        Admin client = admin();
        if (client == null) {
            topics.forEach(t -> answers.put(t, Existence.UNKNOWN));
            return answers;
        }
        Map<String, KafkaFuture<TopicDescription>> described;
        try {
            described = client.describeTopics(topics).topicNameValues();
        } catch (RuntimeException e) {
            described = Map.of(); // the request could not even be made
        }
        // Each topic's future on its own: one missing topic fails a combined future at once, the others still running.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_WITHIN_MS);
        for (KafkaFuture<TopicDescription> f : described.values()) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // read below, per topic
            }
        }
        for (String topic : topics) {
            answers.put(topic, existence(described.get(topic)));
        }
        return answers;
    }

    /**
     * Whether a producer asking for a missing topic makes Kafka create it: the producer's
     * {@code allow.auto.create.topics} and the broker's {@code auto.create.topics.enable}. When the broker's
     * setting cannot be read (Kafka down, or describing configs not authorised) the answer is yes: the producer
     * then asks, and a topic that still does not appear fails after {@code max.block.ms}.
     */
    boolean autoCreates() {
        if (!producerMayCreate) {
            return false;
        }
        Boolean known = brokerAutoCreates;
        if (known == null && (!readFailed || System.nanoTime() - readFailedAt > TimeUnit.SECONDS.toNanos(30))) {
            known = readBrokerAutoCreate();
            brokerAutoCreates = known;
            readFailed = known == null;
            readFailedAt = System.nanoTime();
        }
        return known == null || known;
    }

    /** A {@link TopicNotFoundException} when Kafka answers that {@code topic} does not exist; null when it exists or Kafka did not answer. */
    Exception checkMissing(String topic) {
        return describe(List.of(topic)).get(topic) == Existence.MISSING ? new TopicNotFoundException(topic) : null;
    }

    private Boolean readBrokerAutoCreate() {
        Admin client = admin();
        if (client == null) {
            return null;
        }
        try {
            Collection<Node> nodes = client.describeCluster().nodes().get(ANSWER_WITHIN_MS, TimeUnit.MILLISECONDS);
            if (nodes.isEmpty()) {
                return null;
            }
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
            Config config = client.describeConfigs(List.of(broker)).all()
                    .get(ANSWER_WITHIN_MS, TimeUnit.MILLISECONDS).get(broker);
            ConfigEntry entry = config == null ? null : config.get(AUTO_CREATE);
            return entry == null || entry.value() == null ? null : Boolean.parseBoolean(entry.value());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            LOG.debug("cannot read the broker's {}: {}", AUTO_CREATE, e.toString());
            return null;
        }
    }

    private static Existence existence(KafkaFuture<TopicDescription> f) {
        if (f == null || !f.isDone()) {
            return Existence.UNKNOWN;
        }
        try {
            TopicDescription d = f.getNow(null);
            return d != null && !d.partitions().isEmpty() ? Existence.EXISTS : Existence.UNKNOWN;
        } catch (ExecutionException e) {
            return e.getCause() instanceof UnknownTopicOrPartitionException ? Existence.MISSING : Existence.UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Existence.UNKNOWN;
        } catch (RuntimeException e) {
            return Existence.UNKNOWN;
        }
    }

    private synchronized Admin admin() {
        if (admin == null && !closed) {
            try {
                admin = Admin.create(adminProperties);
            } catch (RuntimeException e) {
                LOG.warn("cannot create the Kafka admin client that checks missing topics: {}", e.toString());
            }
        }
        return admin;
    }

    synchronized void close() {
        closed = true;
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
        }
    }
}
