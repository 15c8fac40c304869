package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * An independent broker process, under HTTP load, first killed with SIGKILL and kept down for twice the
 * producer's {@code delivery.timeout.ms}, then started again on its data; then frozen with SIGSTOP for as
 * long (connections stay open, requests go unanswered, so what the producer holds expires) and thawed.
 * Kafka's client gives up on what it held; the journal sends it again; every event answered 202 lands.
 */
class JournalBrokerOutageIT {
    private static final int DELIVERY_TIMEOUT_MS = 5_000;

    @Test
    void shouldLandEveryAcceptedEventWhenTheBrokerIsDownLongerThanTheDeliveryTimeout() throws Exception {
        String topic = "outage-" + System.nanoTime();
        try (BrokerProcess broker = BrokerProcess.launch()) {
            DaemonProcess daemon = DaemonProcess.start(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()), List.of(
                    "-Dpublisher.kafka.producer.delivery.timeout.ms=" + DELIVERY_TIMEOUT_MS,
                    "-Dpublisher.kafka.producer.request.timeout.ms=3000",
                    "-Dpublisher.kafka.producer.max.block.ms=2000"));
            HttpLoad load = new HttpLoad(daemon.baseUrl(), topic, 2, 100);
            await().atMost(Duration.ofSeconds(60)).until(() -> load.acceptedCount() > 5_000);

            broker.kill();
            Thread.sleep(2 * DELIVERY_TIMEOUT_MS + 2_000);
            broker.start();
            int afterRestart = load.acceptedCount();
            await().atMost(Duration.ofSeconds(90)).until(() -> load.acceptedCount() > afterRestart + 5_000);

            broker.pause();
            Thread.sleep(2 * DELIVERY_TIMEOUT_MS + 2_000);
            broker.resume();
            int afterThaw = load.acceptedCount();
            await().atMost(Duration.ofSeconds(90)).until(() -> load.acceptedCount() > afterThaw + 5_000);
            load.close();
            await().atMost(Duration.ofSeconds(120)).until(() -> daemon.metric(MetricNames.JOURNAL_UNACKNOWLEDGED) == 0);
            long resent = daemon.metric(MetricNames.JOURNAL_RESENT);
            long expired = daemon.metric(MetricNames.EVENTS_FAILED_PREFIX + "expired");
            assertThat(daemon.terminate(Duration.ofSeconds(90))).as(daemon.log()).isZero();
            daemon.close();

            List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(broker.bootstrapServers(), topic);
            Map<String, Integer> stored = HttpLoad.countIds(records);
            long duplicates = stored.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
            System.out.printf("JournalBrokerOutageIT: %s; %d in Kafka, %d duplicate(s), %d re-sent by the journal%n",
                    load.summary(), stored.size(), duplicates, resent);
            assertThat(load.accepted().stream().filter(id -> !stored.containsKey(id)).limit(10).toList())
                    .as("every event answered 202 is in Kafka (%s)", load.summary()).isEmpty();
            assertThat(resent).as("the freeze outlived the delivery timeout: what the producer held expired and was sent again")
                    .isPositive();
            assertThat(expired).as("no journalled event fails for Kafka's fault").isLessThanOrEqualTo(0);
        }
    }
}
