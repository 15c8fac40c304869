package dev.eventpublisher.sender;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A journal's committed position in Kafka: the first journal position not yet written by a committed
 * transaction, kept in a compacted, replicated topic under the journal's id (the record is written inside
 * each transaction, so it is exactly as visible as the events it covers).
 *
 * <p>Read back with {@code read_committed} after {@code initTransactions()} settled this journal's last
 * transaction, to the partition's high-water mark — not just its last stable offset, which another publisher's
 * open transaction on the same partition could hold below this journal's last commit. Value:
 * {@code {"next_position":N}} (readable with any Kafka tool).
 */
final class CommittedPositions {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedPositions.class);
    private static final Pattern VALUE = Pattern.compile("\"next_position\"\\s*:\\s*(\\d+)");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

    private final String topic;
    private final byte[] key;
    private final Map<String, Object> clientProperties;
    /** Set by {@link #read}, on the starting thread, before the first record is made; the sender thread reads it after. */
    private volatile int partition = -1;

    CommittedPositions(String topic, String journalKey, Map<String, Object> producerProperties) {
        this.topic = topic;
        this.key = journalKey.getBytes(StandardCharsets.UTF_8);
        this.clientProperties = clientProperties(producerProperties);
    }

    String topic() {
        return topic;
    }

    /**
     * Creates the topic if absent (compacted; replicated to 3 brokers, or to all of a smaller cluster), then
     * reads this journal's committed position: 0 if it has none yet.
     */
    long read() {
        try (Admin admin = Admin.create(withClientId(AdminClientConfig.configNames(), "offsets-admin"))) {
            int partitions = ensureTopic(admin);
            int p = Utils.toPositive(Utils.murmur2(key)) % partitions;
            TopicPartition tp = new TopicPartition(topic, p);
            long highWater = admin.listOffsets(Map.of(tp, OffsetSpec.latest()),
                            new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                    .partitionResult(tp).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).offset();
            long position = readUpTo(tp, highWater);
            partition = p;
            return position;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new org.apache.kafka.common.errors.TimeoutException("reading " + topic + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while reading " + topic, e);
        }
    }

    private int ensureTopic(Admin admin) throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        try {
            return partitionCount(admin);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                throw e;
            }
        }
        int brokers = admin.describeCluster().nodes().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
        short replicas = (short) Math.max(1, Math.min(3, brokers));
        Map<String, String> configs = new HashMap<>(Map.of("cleanup.policy", "compact"));
        if (replicas >= 3) {
            configs.put("min.insync.replicas", "2");
        }
        try {
            admin.createTopics(List.of(new NewTopic(topic, 1, replicas).configs(configs)))
                    .all().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("created the exactly-once offsets topic {} (compacted, {} replica(s))", topic, replicas);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        return partitionCount(admin);
    }

    private int partitionCount(Admin admin) throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .get(topic).partitions().size();
    }

    private long readUpTo(TopicPartition tp, long highWater) {
        Map<String, Object> props = withClientId(ConsumerConfig.configNames(), "offsets-reader");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long position = 0;
        long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos() * 4;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            // Transactions other publishers hold open on this partition end within their timeout; the consumer's
            // position passes the high-water mark only once every one of them is settled.
            while (consumer.position(tp) < highWater) {
                if (System.nanoTime() > deadline) {
                    throw new org.apache.kafka.common.errors.TimeoutException("reading " + tp + " to offset " + highWater
                            + " took too long (stuck at " + consumer.position(tp) + ")");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (java.util.Arrays.equals(r.key(), key)) {
                        position = r.value() == null ? 0 : parse(r.value());
                    }
                }
            }
        }
        return position;
    }

    /** The record that commits {@code nextPosition}; only after {@link #read}. */
    ProducerRecord<byte[], byte[]> record(long nextPosition) {
        byte[] value = ("{\"next_position\":" + nextPosition + "}").getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(topic, partition, key, value);
    }

    static long parse(byte[] value) {
        Matcher m = VALUE.matcher(new String(value, StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new IllegalStateException("unreadable committed position: " + new String(value, StandardCharsets.UTF_8));
        }
        return Long.parseLong(m.group(1));
    }

    /** The producer's connection and security settings, for an admin client and a consumer. */
    private static Map<String, Object> clientProperties(Map<String, Object> producer) {
        Map<String, Object> p = new HashMap<>(producer);
        p.remove(ProducerConfig.CLIENT_ID_CONFIG);
        return p;
    }

    private Map<String, Object> withClientId(Set<String> known, String suffix) {
        Map<String, Object> p = new HashMap<>();
        clientProperties.forEach((k, v) -> {
            if (known.contains(k) && !k.endsWith(".deserializer") && !k.endsWith(".serializer")) {
                p.put(k, v);
            }
        });
        Object client = clientProperties.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, client + "-" + suffix);
        return p;
    }
}
