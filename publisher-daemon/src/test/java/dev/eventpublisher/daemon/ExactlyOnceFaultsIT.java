package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.eventpublisher.daemon.testing.BrokerProcess;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.daemon.testing.HttpLoad;
import dev.eventpublisher.metrics.MetricNames;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once mode against an independent broker process, under HTTP load, through two faults: the broker
 * killed with SIGKILL and started again on its data; then the daemon itself frozen (SIGSTOP) for longer than
 * its {@code transaction.timeout.ms}, so the broker aborts the transaction it held open (a stalled flush) and
 * bumps its producer epoch. The daemon writes the aborted transaction again; a {@code read_committed} consumer
 * finds every event answered 202 exactly once, in each client's order.
 *
 * <p>The two faults use two daemons on one journal: with a transaction timeout shorter than the broker's
 * outage, a single-node KRaft broker restarted after SIGKILL aborts the dead transaction on its own while the
 * controller still fences its old incarnation, finds no leader for the partitions, skips their abort markers as
 * if the topic were deleted and completes the abort (seen in this test's broker data: the aborted records are then
 * committed by the producer id's next commit marker). That is Kafka's coordinator, not ours; the daemon's default
 * {@code transaction.timeout.ms} (60 s) is longer than such a restart, which is what the first phase runs with.
 */
class ExactlyOnceFaultsIT {
    private static final int TRANSACTION_TIMEOUT_MS = 3_000;

    @Test
    void shouldLoseNothingAndDuplicateNothingThroughABrokerRestartAndATimedOutTransaction() throws Exception {
        String topic = "eos-faults-" + System.nanoTime();
        Path journal = Files.createTempDirectory("journal-eos-faults-");
        int httpPort = DaemonProcess.freePort();
        try (BrokerProcess broker = BrokerProcess.launch("transaction.abort.timed.out.transaction.cleanup.interval.ms=500")) {
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "PUBLISHER_DELIVERY",
                    "exactly-once", "PUBLISHER_JOURNAL_DIR", journal.toString(), "PUBLISHER_HTTP_PORT", Integer.toString(httpPort));
            List<String> quickTimeouts = List.of("-Dpublisher.kafka.producer.delivery.timeout.ms=5000",
                    "-Dpublisher.kafka.producer.request.timeout.ms=3000", "-Dpublisher.kafka.producer.max.block.ms=2000");

            // 1. The broker SIGKILLed mid-load and started again on its data (the daemon's transaction timeout is
            //    Kafka's default, longer than the outage).
            DaemonProcess daemon = DaemonProcess.start(env, quickTimeouts);
            HttpLoad load = new HttpLoad(daemon.baseUrl(), topic, 2, 100);
            await().atMost(Duration.ofSeconds(60)).until(() -> load.acceptedCount() > 5_000);
            broker.kill();
            Thread.sleep(5_000);
            broker.start();
            int afterRestart = load.acceptedCount();
            await().atMost(Duration.ofSeconds(120)).until(() -> load.acceptedCount() > afterRestart + 5_000);
            assertThat(daemon.terminate(Duration.ofSeconds(90))).as(daemon.log()).isZero();
            daemon.close();

            // 2. The same journal, a daemon whose transaction.timeout.ms is short, frozen (SIGSTOP) for three times
            //    as long: the broker aborts the transaction it held open and bumps its epoch.
            List<String> shortTransactions = new java.util.ArrayList<>(quickTimeouts);
            shortTransactions.add("-Dpublisher.kafka.producer.transaction.timeout.ms=" + TRANSACTION_TIMEOUT_MS);
            daemon = DaemonProcess.start(env, shortTransactions);
            int afterSecondStart = load.acceptedCount();
            await().atMost(Duration.ofSeconds(60)).until(() -> load.acceptedCount() > afterSecondStart + 5_000);
            DaemonProcess thawed = daemon;
            // A freeze that lands between two transactions (a commit done, the next not begun) leaves the broker
            // nothing to abort: freeze again, at most three times, until one lands inside a transaction.
            for (int freeze = 1; freeze <= 3 && thawed.metric(MetricNames.TRANSACTIONS_ABORTED) == 0; freeze++) {
                signal("STOP", daemon.pid());
                Thread.sleep(3L * TRANSACTION_TIMEOUT_MS);
                signal("CONT", daemon.pid());
                int afterThaw = load.acceptedCount();
                await().atMost(Duration.ofSeconds(120)).until(() -> load.acceptedCount() > afterThaw + 5_000);
            }
            load.close();
            await().atMost(Duration.ofSeconds(120)).until(() -> thawed.metric(MetricNames.JOURNAL_UNACKNOWLEDGED) == 0);
            long aborted = daemon.metric(MetricNames.TRANSACTIONS_ABORTED);
            long committed = daemon.metric(MetricNames.TRANSACTIONS_COMMITTED);
            assertThat(daemon.terminate(Duration.ofSeconds(90))).as(daemon.log()).isZero();
            daemon.close();

            List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(broker.bootstrapServers(), topic);
            Map<String, Integer> stored = HttpLoad.countIds(records);
            System.out.printf("ExactlyOnceFaultsIT: %s; %d in Kafka (read_committed); after the freeze %d transactions"
                    + " committed, %d aborted%n", load.summary(), stored.size(), committed, aborted);
            assertThat(load.accepted().stream().filter(id -> !stored.containsKey(id)).limit(10).toList())
                    .as("every event answered 202 is in Kafka (%s)", load.summary()).isEmpty();
            List<String> duplicated = HttpLoad.duplicated(records);
            assertThat(duplicated).as("no event twice (%d duplicated)", duplicated.size()).isEmpty();
            assertThat(HttpLoad.outOfOrder(records)).as("each client's events in its order").isEmpty();
            assertThat(aborted).as("the broker aborted the transaction the frozen daemon held; it was written again")
                    .isPositive();
        }
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor()).isZero();
    }
}
