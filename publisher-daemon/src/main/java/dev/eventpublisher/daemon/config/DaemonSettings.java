package dev.eventpublisher.daemon.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.eventpublisher.Backpressure;
import dev.eventpublisher.EndOfBatchPolicy;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.EventPublisherBuilder;
import dev.eventpublisher.RetryPolicy;
import dev.eventpublisher.TopicSettings;
import dev.eventpublisher.Topics;
import dev.eventpublisher.WaitStrategyType;
import dev.eventpublisher.journal.FsyncPolicy;
import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.journal.WhenFull;
import dev.eventpublisher.sender.ExactlyOnceConfig;

/**
 * The daemon's settings, read and validated once from the merged configuration. Immutable; the rest
 * of the daemon receives these plain values and never a {@code Config}.
 */
public record DaemonSettings(
        String profile,
        int batchSize, Duration batchTimeout, int maxBatchSize, EndOfBatchPolicy endOfBatch,
        Map<String, TopicSettings> topics,
        int ringSize, WaitStrategyType waitStrategy, Backpressure backpressure, Duration blockTimeout,
        Duration shutdownTimeout,
        String bootstrapServers, Map<String, String> producerProperties, boolean flushWhenIdle,
        int consumerMinBytes, int consumerMaxWaitMs,
        int embeddedPort, Path embeddedDataDir, int embeddedPartitions,
        HttpSettings http,
        boolean jmxEnabled,
        boolean circuitBreaker, Duration circuitStallTimeout, Duration circuitOpenDuration,
        RetryPolicy retry, String deadLetterTopic,
        JournalConfig journal, ExactlyOnceConfig exactlyOnce, long maxBytes) {

    private static final String P = "publisher.";
    private static final int MAX_COUNT = 1_000_000;

    /** True when no bootstrap servers are configured and the daemon starts its own broker. */
    public boolean usesEmbeddedBroker() {
        return bootstrapServers.isEmpty();
    }

    /**
     * Where a separate client (tail, load, the readiness probe of another process) finds Kafka: the
     * configured bootstrap servers, or the embedded broker a running daemon started.
     */
    public String clientBootstrapServers() {
        return usesEmbeddedBroker() ? "127.0.0.1:" + embeddedPort : bootstrapServers;
    }

    /** The producer properties that say how to connect (security, SASL, TLS), for other Kafka clients. */
    public Map<String, String> connectionProperties() {
        Map<String, String> connection = new LinkedHashMap<>();
        producerProperties.forEach((k, v) -> {
            if (k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.") || k.equals("client.dns.lookup")) {
                connection.put(k, v);
            }
        });
        return connection;
    }

    /** Validates every value of {@code loaded}; the first problem is thrown as a one-line {@link ConfigProblem}. */
    public static DaemonSettings from(ConfigLoader.Loaded loaded) {
        Config config = loaded.config();
        ConfigReader r = new ConfigReader(config);
        rejectUnknownKeys(config, r);

        int maxBatchSize = r.integer(P + "batch.max-size", 1, MAX_COUNT);
        int batchSize = r.integer(P + "batch.size", 1, MAX_COUNT);
        if (batchSize > maxBatchSize) {
            throw r.invalid(P + "batch.size", "must be <= publisher.batch.max-size (" + maxBatchSize + ", from "
                    + r.origin(P + "batch.max-size") + ")");
        }
        Duration batchTimeout = r.duration(P + "batch.timeout", false);
        EndOfBatchPolicy endOfBatch = r.choice(P + "batch.end-of-batch", EndOfBatchPolicy.class);
        Map<String, TopicSettings> topics = topics(config, r, maxBatchSize);

        int ringSize = r.integer(P + "ring.size", 2, 1 << 30);
        if (Integer.bitCount(ringSize) != 1) {
            throw r.invalid(P + "ring.size", "must be a power of two (e.g. 65536)");
        }
        WaitStrategyType waitStrategy = r.choice(P + "ring.wait-strategy", WaitStrategyType.class);
        Backpressure backpressure = r.choice(P + "ring.backpressure", Backpressure.class);
        Duration blockTimeout = r.duration(P + "ring.block-timeout", true);
        long maxBytes = r.bytes(P + "ring.max-bytes", 0, Long.MAX_VALUE / 2);
        Duration shutdownTimeout = r.duration(P + "shutdown.timeout", true);

        String bootstrap = bootstrapServers(r, loaded.profile());
        Map<String, String> producer = producerProperties(config, r);
        boolean flushWhenIdle = r.bool(P + "kafka.flush-when-idle");
        int minBytes = r.integer(P + "kafka.consumer.min-bytes", 0, 100 * 1024 * 1024);
        int maxWaitMs = r.integer(P + "kafka.consumer.max-wait-ms", 0, 60 * 60 * 1000);
        int embeddedPort = r.integer(P + "kafka.embedded.port", 0, 65535);
        String dataDir = r.string(P + "kafka.embedded.data-dir");
        if (dataDir.isEmpty()) {
            throw r.invalid(P + "kafka.embedded.data-dir", "must be a directory path");
        }
        int partitions = r.integer(P + "kafka.embedded.partitions", 1, 1000);

        HttpSettings http = http(r);
        boolean jmx = r.bool(P + "jmx.enabled");
        boolean circuit = r.bool(P + "circuit-breaker.enabled");
        Duration stall = r.duration(P + "circuit-breaker.stall-timeout", false);
        Duration openFor = r.duration(P + "circuit-breaker.open-duration", false);
        RetryPolicy retry = new RetryPolicy(r.integer(P + "retry.max-attempts", 1, 1000),
                r.duration(P + "retry.max-age", true), r.duration(P + "retry.initial-backoff", true),
                r.duration(P + "retry.max-backoff", true));
        String deadLetters = r.string(P + "dead-letter-topic");
        if (!deadLetters.isEmpty()) {
            try {
                Topics.validate(deadLetters);
            } catch (IllegalArgumentException bad) {
                throw r.invalid(P + "dead-letter-topic", bad.getMessage());
            }
        }

        JournalConfig journal = journal(r);
        ExactlyOnceConfig exactlyOnce = exactlyOnce(r, journal, producer);

        DaemonSettings settings = new DaemonSettings(loaded.profile(), batchSize, batchTimeout, maxBatchSize, endOfBatch,
                topics, ringSize, waitStrategy, backpressure, blockTimeout, shutdownTimeout, bootstrap, producer, flushWhenIdle,
                minBytes, maxWaitMs, embeddedPort, Path.of(dataDir), partitions, http, jmx,
                circuit, stall, openFor, retry, deadLetters.isEmpty() ? null : deadLetters, journal, exactlyOnce, maxBytes);
        // The library checks its own settings too; anything it refuses here is a daemon bug, not user input.
        settings.publisherBuilder(bootstrap.isEmpty() ? "127.0.0.1:9092" : bootstrap).settings();
        return settings;
    }

    /** A publisher builder carrying these settings, for the given bootstrap servers. */
    public EventPublisherBuilder publisherBuilder(String servers) {
        EventPublisherBuilder b = EventPublisher.builder()
                .name("publisher")
                .bootstrapServers(servers)
                .batchSize(batchSize).batchTimeout(batchTimeout).maxBatchSize(maxBatchSize)
                .endOfBatchPolicy(endOfBatch)
                .ringSize(ringSize).waitStrategy(waitStrategy).maxBytes(maxBytes)
                .backpressure(backpressure).blockTimeout(blockTimeout)
                .closeTimeout(shutdownTimeout)
                .retryPolicy(retry)
                .deadLetterTopic(deadLetterTopic)
                .journal(journal)
                .exactlyOnce(exactlyOnce)
                .producerProperties(producerProperties)
                .flushWhenIdle(flushWhenIdle);
        if (circuitBreaker) {
            b.circuitBreaker(circuitStallTimeout, circuitOpenDuration);
        } else {
            b.circuitBreaker(false);
        }
        topics.forEach((topic, t) -> b.topic(topic, t.batchSize(), t.batchTimeout()));
        return b;
    }

    private static String bootstrapServers(ConfigReader r, String profile) {
        String path = P + "kafka.bootstrap-servers";
        String servers = r.string(path);
        if (servers.isEmpty()) {
            if ("production".equals(profile)) {
                throw r.invalid(path, "required in the production profile (set KAFKA_BOOTSTRAP_SERVERS); "
                        + "only development starts an embedded broker");
            }
            return "";
        }
        for (String server : servers.split(",")) {
            String s = server.trim();
            int colon = s.lastIndexOf(':');
            boolean ok = colon > 0 && colon < s.length() - 1;
            if (ok) {
                try {
                    int port = Integer.parseInt(s.substring(colon + 1));
                    ok = port > 0 && port <= 65535;
                } catch (NumberFormatException e) {
                    ok = false;
                }
            }
            if (!ok) {
                throw r.invalid(path, "must be a comma-separated list of host:port (bad entry '" + s + "')");
            }
        }
        return servers;
    }

    private static Map<String, TopicSettings> topics(Config config, ConfigReader r, int maxBatchSize) {
        Map<String, TopicSettings> topics = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : config.getObject(P + "topics").entrySet()) {
            String topic = e.getKey();
            String base = ConfigUtil.joinPath("publisher", "topics", topic);
            try {
                Topics.validate(topic);
            } catch (IllegalArgumentException bad) {
                throw new ConfigProblem("invalid " + base + " (from " + ConfigReader.describe(e.getValue().origin())
                        + "): " + bad.getMessage());
            }
            if (e.getValue().valueType() != ConfigValueType.OBJECT) {
                throw r.invalid(base, "must be an object like { batch.size = 200, batch.timeout = 50ms }");
            }
            for (String key : config.getConfig(base).entrySet().stream().map(Map.Entry::getKey).toList()) {
                if (!key.equals("batch.size") && !key.equals("batch.timeout")) {
                    throw new ConfigProblem("unknown setting " + base + "." + key + " (from " + r.origin(base + "." + key)
                            + "): a topic accepts batch.size and batch.timeout");
                }
            }
            Integer size = null;
            Duration timeout = null;
            if (r.has(base + ".batch.size")) {
                size = r.integer(base + ".batch.size", 1, maxBatchSize);
            }
            if (r.has(base + ".batch.timeout")) {
                timeout = r.duration(base + ".batch.timeout", false);
            }
            topics.put(topic, new TopicSettings(size, timeout));
        }
        return topics;
    }

    private static Map<String, String> producerProperties(Config config, ConfigReader r) {
        Map<String, String> props = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : config.getConfig(P + "kafka.producer").entrySet()) {
            Object value = e.getValue().unwrapped();
            if (value == null || value instanceof Map || value instanceof List) {
                throw r.invalid(P + "kafka.producer." + e.getKey(), "a producer property needs a single value");
            }
            // entrySet() names a quoted key with its quotes ("max.request.size"); Kafka wants the bare name.
            props.put(String.join(".", com.typesafe.config.ConfigUtil.splitPath(e.getKey())), value.toString());
        }
        return props;
    }

    /** Exactly-once's settings, or null for {@code publisher.delivery = at-least-once}. */
    private static ExactlyOnceConfig exactlyOnce(ConfigReader r, JournalConfig journal, Map<String, String> producer) {
        Delivery delivery = r.choice(P + "delivery", Delivery.class);
        Duration interval = r.duration(P + "transaction.interval", false);
        int maxEvents = r.integer(P + "transaction.max-events", 1, 10_000_000);
        String offsetsTopic = r.string(P + "transaction.offsets-topic");
        try {
            Topics.validate(offsetsTopic);
        } catch (IllegalArgumentException bad) {
            throw r.invalid(P + "transaction.offsets-topic", bad.getMessage());
        }
        String prefix = r.string(P + "transaction.id-prefix");
        if (prefix.isBlank() || prefix.length() > 200) {
            throw r.invalid(P + "transaction.id-prefix", "must be 1-200 characters");
        }
        if (delivery == Delivery.AT_LEAST_ONCE) {
            return null;
        }
        if (journal == null) {
            throw r.invalid(P + "delivery", "exactly-once needs the journal (publisher.journal.enabled = true, from "
                    + r.origin(P + "journal.enabled") + "): it resumes from the journal's committed position");
        }
        if (producer.containsKey("transactional.id")) {
            throw r.invalid(P + "kafka.producer.transactional.id", "must not be set with publisher.delivery = exactly-once"
                    + " (the transactional.id is <publisher.transaction.id-prefix>-<journal id>)");
        }
        String timeout = producer.getOrDefault("transaction.timeout.ms", "60000");
        long timeoutMs;
        try {
            timeoutMs = Long.parseLong(timeout.trim());
        } catch (NumberFormatException e) {
            throw r.invalid(P + "kafka.producer.transaction.timeout.ms", "must be a number of milliseconds");
        }
        if (interval.toMillis() * 2 > timeoutMs) {
            throw r.invalid(P + "transaction.interval", "must be at most half of kafka.producer.transaction.timeout.ms ("
                    + timeoutMs + " ms): a transaction must commit well before the broker aborts it");
        }
        return new ExactlyOnceConfig(interval, maxEvents, offsetsTopic, prefix);
    }

    /** The journal's settings, or null when {@code publisher.journal.enabled = false}. */
    private static JournalConfig journal(ConfigReader r) {
        boolean enabled = r.bool(P + "journal.enabled");
        String dir = r.string(P + "journal.dir");
        if (dir.isEmpty()) {
            throw r.invalid(P + "journal.dir", "must be a directory path");
        }
        FsyncPolicy fsync = r.choice(P + "journal.fsync", FsyncPolicy.class);
        Duration interval = r.duration(P + "journal.fsync-interval", false);
        long segmentBytes = r.bytes(P + "journal.segment-bytes", JournalConfig.MIN_SEGMENT_BYTES, 1L << 30);
        long maxBytes = r.bytes(P + "journal.max-bytes", 4 * JournalConfig.MIN_SEGMENT_BYTES, Long.MAX_VALUE / 2);
        if (maxBytes < 4 * segmentBytes) {
            throw r.invalid(P + "journal.max-bytes", "must be at least 4 x publisher.journal.segment-bytes ("
                    + 4 * segmentBytes + " bytes, from " + r.origin(P + "journal.segment-bytes")
                    + "): space is freed a segment at a time");
        }
        WhenFull whenFull = r.choice(P + "journal.when-full", WhenFull.class);
        if (!enabled) {
            return null;
        }
        Path path = Path.of(dir);
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw r.invalid(P + "journal.dir", "exists and is not a directory");
        }
        return new JournalConfig(path, fsync, interval, segmentBytes, maxBytes, whenFull);
    }

    private static HttpSettings http(ConfigReader r) {
        String host = r.string(P + "http.host");
        if (host.isEmpty()) {
            throw r.invalid(P + "http.host", "must be a host name or address, e.g. 0.0.0.0");
        }
        int port = r.integer(P + "http.port", 0, 65535);
        int maxBody = (int) r.bytes(P + "http.max-body-bytes", 1, 1L << 30);
        Duration syncTimeout = r.duration(P + "http.sync-timeout", false);
        int ioThreads = r.integer(P + "http.io-threads", 0, 256);
        String token = r.string(P + "http.auth.bearer-token");
        Set<String> allowed = new LinkedHashSet<>();
        for (String topic : r.strings(P + "http.allowed-topics")) {
            try {
                Topics.validate(topic);
            } catch (IllegalArgumentException bad) {
                throw r.invalid(P + "http.allowed-topics", bad.getMessage());
            }
            allowed.add(topic);
        }
        boolean tls = r.bool(P + "http.tls.enabled");
        Path certificate = null;
        Path privateKey = null;
        if (tls) {
            certificate = existingFile(r, P + "http.tls.certificate");
            privateKey = existingFile(r, P + "http.tls.private-key");
        }
        Duration idempotencyWindow = r.duration(P + "http.idempotency.window", false);
        int idempotencyCapacity = r.integer(P + "http.idempotency.capacity", 1, 100_000_000);
        return new HttpSettings(host, port, maxBody, syncTimeout, ioThreads, token, Set.copyOf(allowed), tls,
                certificate, privateKey, idempotencyWindow, idempotencyCapacity);
    }

    private static Path existingFile(ConfigReader r, String path) {
        String file = r.string(path);
        if (file.isEmpty() || !Files.isReadable(Path.of(file))) {
            throw r.invalid(path, "must name a readable PEM file when publisher.http.tls.enabled = true");
        }
        return Path.of(file);
    }

    /**
     * A misspelt key would otherwise be ignored silently and its default used: refuse every key under
     * {@code publisher} that the built-in defaults do not define (producer properties and topics excepted).
     */
    private static void rejectUnknownKeys(Config config, ConfigReader r) {
        Config reference = ConfigFactory.defaultReference().getConfig("publisher");
        Set<String> known = new TreeSet<>();
        reference.entrySet().forEach(e -> known.add(e.getKey()));
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : config.getConfig("publisher").entrySet()) {
            String key = e.getKey();
            if (known.contains(key) || key.startsWith("kafka.producer.") || key.startsWith("topics.")) {
                continue;
            }
            unknown.add(key);
        }
        if (!unknown.isEmpty()) {
            String key = unknown.get(0);
            String section = key.contains(".") ? key.substring(0, key.indexOf('.')) : "";
            List<String> siblings = known.stream()
                    .filter(k -> section.isEmpty() ? !k.contains(".") : k.startsWith(section + "."))
                    .toList();
            throw new ConfigProblem("unknown setting publisher." + key + " (from " + r.origin("publisher." + key)
                    + "): not a daemon setting" + (siblings.isEmpty() ? "" : "; known here: publisher."
                    + String.join(", publisher.", siblings)));
        }
    }
}
