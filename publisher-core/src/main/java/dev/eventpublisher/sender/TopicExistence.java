package dev.eventpublisher.sender;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a topic Kafka refused to create from Kafka being unreachable, after the producer's metadata wait timed
 * out (it says only "not present in metadata" either way): an {@link Admin} client, made on first need with the
 * producer's connection settings, describes the topic. Lookup threads call it concurrently (Admin is thread-safe).
 */
final class TopicExistence {
    private static final Logger LOG = LoggerFactory.getLogger(TopicExistence.class);
    private static final long ANSWER_WITHIN_MS = 5_000;

    private final Map<String, Object> adminProperties;
    private Admin admin;
    private boolean closed;

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
    }

    /** A {@link TopicNotFoundException} when Kafka answers that {@code topic} does not exist; null when it exists or Kafka did not answer. */
    Exception checkMissing(String topic) {
        Admin client = admin();
        if (client == null) {
            return null;
        }
        try {
            client.describeTopics(List.of(topic)).allTopicNames().get(ANSWER_WITHIN_MS, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof UnknownTopicOrPartitionException ? new TopicNotFoundException(topic) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            return null;
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
