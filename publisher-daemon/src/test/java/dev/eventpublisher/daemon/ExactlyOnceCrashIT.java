package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import dev.eventpublisher.daemon.testing.HttpLoad;
import dev.eventpublisher.daemon.testing.KillLoop;
import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Exactly-once through crashes: the daemon ({@code PUBLISHER_DELIVERY=exactly-once}) killed with SIGKILL five
 * times under HTTP NDJSON load, at random moments, and started again on the same journal each time. A
 * {@code read_committed} consumer then finds every event answered 202 exactly once, nothing twice, and each
 * client's events (one key) in the order it sent them.
 */
@ExtendWith(SharedKafkaBroker.class)
class ExactlyOnceCrashIT {
    private static final int KILLS = 5;

    @Test
    void shouldWriteEveryAcceptedEventExactlyOnceThroughRepeatedSigkills() throws Exception {
        String topic = "eos-crash-" + System.nanoTime();
        SharedKafkaBroker.broker().createTopic(topic, 3);
        KillLoop.Result loop = KillLoop.run(SharedKafkaBroker.bootstrapServers(), topic, KILLS, 5,
                Map.of("PUBLISHER_DELIVERY", "exactly-once"), ExactlyOnceCrashIT::alreadyCommittedIn);
        HttpLoad load = loop.load();
        long skipped = loop.fromLogs();
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic);
        Map<String, Integer> stored = HttpLoad.countIds(records);
        System.out.printf("ExactlyOnceCrashIT: %d kills; %s; %d records in Kafka (read_committed), %d distinct; "
                        + "%d journal position(s) skipped at restarts as already committed%n%s%n",
                KILLS, load.summary(), records.size(), stored.size(), skipped, loop.story());
        assertThat(load.accepted().stream().filter(id -> !stored.containsKey(id)).limit(10).toList())
                .as("every event answered 202 is in Kafka (%s)", load.summary()).isEmpty();
        assertThat(HttpLoad.duplicated(records)).as("no event twice").isEmpty();
        assertThat(HttpLoad.outOfOrder(records)).as("each client's events in its order").isEmpty();
        assertThat(stored.keySet().stream().filter(id -> !load.sent().contains(id)).limit(10).toList())
                .as("nothing in Kafka that was never sent").isEmpty();
        assertThat(skipped).as("restarts found positions the journal's checkpoint had not caught up with").isPositive();
    }

    /** The positions a start skipped because Kafka had committed them: from the "positions a..b are already committed" line. */
    private static long alreadyCommittedIn(String log) {
        var m = java.util.regex.Pattern.compile("positions (\\d+)\\.\\.(\\d+) are already committed").matcher(log);
        long n = 0;
        while (m.find()) {
            n += Long.parseLong(m.group(2)) - Long.parseLong(m.group(1)) + 1;
        }
        return n;
    }
}
