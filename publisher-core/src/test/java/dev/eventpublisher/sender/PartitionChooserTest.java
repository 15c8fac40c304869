package dev.eventpublisher.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

/**
 * The sender's own partition choice must put every key exactly where Kafka's default partitioner
 * would, and spread unkeyed records stickily by bytes.
 */
class PartitionChooserTest {
    private static TopicMetadata.Topic ready(int partitions) {
        TopicMetadata.Topic topic = new TopicMetadata.Topic("t");
        topic.state = TopicMetadata.State.READY;
        topic.partitions = partitions;
        return topic;
    }

    @Test
    void shouldPutEveryKeyWhereKafkasDefaultPartitionerWould() {
        for (int partitions : new int[] {1, 3, 7, 12, 100}) {
            PartitionChooser chooser = new PartitionChooser(16_384);
            TopicMetadata.Topic state = ready(partitions);
            for (int i = 0; i < 5_000; i++) {
                byte[] key = ("key-" + i + "-ünïcödé").getBytes(StandardCharsets.UTF_8);
                assertThat(chooser.partition(state, key, new byte[10]))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
            }
        }
    }

    @Test
    void shouldStickToOnePartitionPerBatchSizeOfBytesForUnkeyedRecords() {
        PartitionChooser chooser = new PartitionChooser(1_000);
        TopicMetadata.Topic state = ready(3);
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
        PartitionChooser chooser = new PartitionChooser(1_000);
        TopicMetadata.Topic pending = new TopicMetadata.Topic("unknown");
        assertThat(chooser.partition(pending, "k".getBytes(StandardCharsets.UTF_8), new byte[1])).isNull();
        assertThat(chooser.partition(null, "k".getBytes(StandardCharsets.UTF_8), new byte[1])).isNull();
    }
}
