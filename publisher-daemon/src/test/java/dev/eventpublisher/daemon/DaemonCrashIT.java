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
 * The daemon killed with SIGKILL six times under HTTP NDJSON load, each time at a random moment, and
 * started again on the same journal: every event it ever answered 202 is in Kafka at the end. Duplicates
 * (events acknowledged by Kafka but not yet checkpointed when the process died, sent again by the replay)
 * are counted and printed, not forbidden: the journal promises at-least-once.
 */
@ExtendWith(SharedKafkaBroker.class)
class DaemonCrashIT {
    private static final int KILLS = 6;

    @Test
    void shouldDeliverEveryAcceptedEventThroughRepeatedSigkills() throws Exception {
        String topic = "crash-" + System.nanoTime();
        SharedKafkaBroker.broker().createTopic(topic, 3);
        KillLoop.Result loop = KillLoop.run(SharedKafkaBroker.bootstrapServers(), topic, KILLS, 11, Map.of(),
                DaemonCrashIT::replayedIn);
        HttpLoad load = loop.load();
        long replayedTotal = loop.fromLogs();
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic);
        Map<String, Integer> stored = HttpLoad.countIds(records);
        long duplicates = stored.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
        System.out.printf("DaemonCrashIT: %d kills; %s; %d records in Kafka, %d distinct, %d duplicate(s), %d replayed%n%s%n",
                KILLS, load.summary(), records.size(), stored.size(), duplicates, replayedTotal, loop.story());
        assertThat(load.accepted().stream().filter(id -> !stored.containsKey(id)).limit(10).toList())
                .as("every event answered 202 is in Kafka (%s)", load.summary()).isEmpty();
        assertThat(stored.keySet().stream().filter(id -> !load.sent().contains(id)).limit(10).toList())
                .as("nothing in Kafka that was never sent").isEmpty();
        assertThat(replayedTotal).as("the replays had something to do").isPositive();
    }

    /** The count in the daemon log's "replayed N event(s)" line, 0 if none. */
    private static long replayedIn(String log) {
        var matcher = java.util.regex.Pattern.compile("replayed (\\d+) event\\(s\\)").matcher(log);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }
}
