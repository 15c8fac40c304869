package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import dev.eventpublisher.kafka.embedded.EmbeddedKafkaCluster;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Three brokers, replication factor 3, min.insync.replicas 2, acks=all: the leader of a partition is
 * stopped without a controlled shutdown in the middle of a stream, and restarted later. Every
 * acknowledged event is in the topic, none twice, and each key's events are in publish order.
 */
class LeaderFailoverIT {

    @Test
    void shouldLoseNoAcknowledgedEventWhenTheLeaderDies() throws Exception {
        try (EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(3).start()) {
            String topic = "failover";
            cluster.createTopic(topic, 3, 3, Map.of("min.insync.replicas", "2"));
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            Map<String, String> failed = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            EventPublisher publisher = EventPublisher.builder().bootstrapServers(cluster.bootstrapServers())
                    .backpressure(Backpressure.BLOCK).blockTimeout(Duration.ofSeconds(60))
                    .build();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<?>> loops = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int thread = t;
                loops.add(pool.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String key = "t" + thread + "-k" + (i % 12);
                        String value = key + "-" + i;
                        publisher.publish(topic, key, value).whenComplete((r, e) -> {
                            if (e == null) {
                                acknowledged.add(value);
                            } else {
                                failed.put(value, String.valueOf(e.getCause()));
                            }
                        });
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500));
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() > 3_000);
            int leader = cluster.leaderOf(topic, 0);
            cluster.stopBroker(leader);
            int before = acknowledged.size();
            // Keep the old leader down for a while (at least 8 s) while the stream goes on.
            await().pollDelay(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(60))
                    .until(() -> acknowledged.size() > before + 5_000);
            cluster.restartBroker(leader);
            int afterRestart = acknowledged.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() > afterRestart + 3_000);
            stop.set(true);
            for (Future<?> loop : loops) {
                loop.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            OutcomeReport report = publisher.close(Duration.ofSeconds(60));
            assertThat(report.unresolved()).isZero();
            assertThat(report.acknowledged()).isEqualTo(acknowledged.size());

            List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(cluster.bootstrapServers(), topic);
            records.sort((a, b) -> a.partition() != b.partition() ? a.partition() - b.partition() : Long.compare(a.offset(), b.offset()));
            Set<String> stored = new HashSet<>();
            Map<String, Integer> lastByKey = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                String value = new String(r.value(), StandardCharsets.UTF_8);
                assertThat(stored.add(value)).as("duplicate %s", value).isTrue();
                String key = new String(r.key(), StandardCharsets.UTF_8);
                int seq = Integer.parseInt(value.substring(value.lastIndexOf('-') + 1));
                Integer previous = lastByKey.put(key, seq);
                assertThat(previous == null ? -1 : previous).as("order of %s", key).isLessThan(seq);
            }
            assertThat(stored).as("every acknowledged event survives the leader's death; failures: %s", failed)
                    .containsAll(acknowledged);
        }
    }
}
