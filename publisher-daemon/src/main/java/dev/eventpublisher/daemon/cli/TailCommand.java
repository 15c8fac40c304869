package dev.eventpublisher.daemon.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

import dev.eventpublisher.Topics;
import dev.eventpublisher.daemon.config.DaemonSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code publisherd tail <topic>}: print a topic's records, one per line, from the beginning (or the
 * end) and keep following. Uses the configured Kafka (or the daemon's embedded broker) and the
 * consumer settings {@code KAFKA_CONSUMER_MIN_BYTES} / {@code KAFKA_CONSUMER_MAX_WAIT_MS}.
 */
@Command(name = "tail", description = "Print the records of a topic: partition@offset key value [headers].")
public final class TailCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic to read.")
    String topic;

    @Option(names = "--from", defaultValue = "beginning", paramLabel = "beginning|end",
            description = "Start at the beginning (default) or only print new records.")
    String from;

    @Option(names = {"-n", "--max-records"}, defaultValue = "0", paramLabel = "N",
            description = "Exit after N records (0: no limit).")
    long maxRecords;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
            description = "Exit when no record arrived for this long, e.g. 5s (default: follow forever).")
    Duration idleTimeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        DaemonSettings settings = config.settings();
        try {
            Topics.validate(topic);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("publisherd tail: " + e.getMessage());
            return 2;
        }
        if (!from.equals("beginning") && !from.equals("end")) {
            spec.commandLine().getErr().println("publisherd tail: invalid --from=" + from + ": must be beginning or end");
            return 2;
        }
        Properties props = new Properties();
        props.putAll(settings.connectionProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.clientBootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(settings.consumerMinBytes()));
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(settings.consumerMaxWaitMs()));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "publisherd-tail");
        // Only what committed transactions wrote (exactly-once): an aborted try is never shown as an event.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");

        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            Thread main = Thread.currentThread();
            Thread hook = new Thread(() -> {
                consumer.wakeup();
                try {
                    main.join(2000);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "tail-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            List<TopicPartition> partitions = awaitPartitions(consumer, err);
            consumer.assign(partitions);
            if (from.equals("beginning")) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            long printed = 0;
            long lastRecordNanos = System.nanoTime();
            while (maxRecords == 0 || printed < maxRecords) {
                var records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    out.println(format(record));
                    printed++;
                    if (maxRecords != 0 && printed >= maxRecords) {
                        break;
                    }
                }
                out.flush();
                if (!records.isEmpty()) {
                    lastRecordNanos = System.nanoTime();
                } else if (idleTimeout != null && System.nanoTime() - lastRecordNanos > idleTimeout.toNanos()) {
                    break;
                }
            }
            return 0;
        } catch (WakeupException stopped) {
            return 0;
        }
    }

    private List<TopicPartition> awaitPartitions(KafkaConsumer<byte[], byte[]> consumer, PrintWriter err) {
        boolean told = false;
        while (true) {
            Map<String, List<PartitionInfo>> topics = consumer.listTopics(Duration.ofSeconds(30));
            List<PartitionInfo> infos = topics.get(topic);
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            }
            if (!told) {
                err.println("publisherd tail: topic '" + topic + "' does not exist yet; waiting for it");
                err.flush();
                told = true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
    }

    private static String format(ConsumerRecord<byte[], byte[]> record) {
        StringBuilder line = new StringBuilder();
        line.append(record.partition()).append('@').append(record.offset())
                .append(" key=").append(record.key() == null ? "null" : new String(record.key(), StandardCharsets.UTF_8))
                .append(" value=").append(record.value() == null ? "null" : new String(record.value(), StandardCharsets.UTF_8));
        for (Header h : record.headers()) {
            line.append(" header.").append(h.key()).append('=')
                    .append(h.value() == null ? "null" : new String(h.value(), StandardCharsets.UTF_8));
        }
        return line.toString();
    }
}
