package dev.eventpublisher.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The sender's own partition choice must put every key exactly where Kafka's default partitioner
 * would, and spread unkeyed records stickily by bytes. (A MockProducer stands in only to answer
 * {@code partitionsFor}: no broker can be asked to partition a key.)
 */
class PartitionChooserTest {
    private static final Node NODE = new Node(1, "127.0.0.1", 9092);

    private static MockProducer<byte[], byte[]> producerWith(String topic, int partitions) {
        List<PartitionInfo> infos = new java.util.ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            infos.add(new PartitionInfo(topic, p, NODE, new Node[] {NODE}, new Node[] {NODE}));
        }
        Cluster cluster = new Cluster("c", List.of(NODE), infos, java.util.Set.of(), java.util.Set.of());
        return new MockProducer<>(cluster, true, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Test
    void shouldPutEveryKeyWhereKafkasDefaultPartitionerWould() {
        for (int partitions : new int[] {1, 3, 7, 12, 100}) {
            PartitionChooser chooser = new PartitionChooser(producerWith("t", partitions), 16_384);
            Object state = chooser.forTopic("t", 0);
            for (int i = 0; i < 5_000; i++) {
                byte[] key = ("key-" + i + "-ünïcödé").getBytes(StandardCharsets.UTF_8);
                assertThat(chooser.partition(state, key, new byte[10]))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
            }
        }
    }

    @Test
    void shouldStickToOnePartitionPerBatchSizeOfBytesForUnkeyedRecords() {
        PartitionChooser chooser = new PartitionChooser(producerWith("t", 3), 1_000);
        Object state = chooser.forTopic("t", 0);
        Map<Integer, Integer> counts = new HashMap<>();
        Integer previous = null;
        int switches = 0;
        for (int i = 0; i < 300; i++) {
            Integer p = chooser.partition(state, null, new byte[84]); // 84 + 16 overhead = 100 bytes each
            counts.merge(p, 1, Integer::sum);
            if (previous != null && !previous.equals(p)) {
                switches++;
            }
            previous = p;
        }
        assertThat(switches).isEqualTo(29); // a new partition every 10 records
        assertThat(counts).containsOnlyKeys(0, 1, 2).allSatisfy((p, n) -> assertThat(n).isEqualTo(100));
    }

    @Test
    void shouldLeaveTheChoiceToKafkaForATopicWithoutMetadata() {
        PartitionChooser chooser = new PartitionChooser(producerWith("known", 3), 1_000);
        Object state = chooser.forTopic("unknown", 0);
        assertThat(state).isNull();
        assertThat(chooser.partition(state, "k".getBytes(StandardCharsets.UTF_8), new byte[1])).isNull();
    }
}
