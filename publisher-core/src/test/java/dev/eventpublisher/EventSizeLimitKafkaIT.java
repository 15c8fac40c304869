package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.testing.SharedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The largest event accepted is exactly the largest Kafka's producer takes: one byte more is refused before
 * acceptance (nothing accepted, nothing in Kafka), the event at the limit is acknowledged. Kafka's own producer,
 * with the same {@code max.request.size}, draws the line at the same byte.
 */
@ExtendWith(SharedKafkaBroker.class)
class EventSizeLimitKafkaIT {
    private static final int LIMIT = 20_000;
    private static final byte[] KEY = "key".getBytes(StandardCharsets.UTF_8);
    private static final List<Header> HEADERS = List.of(new RecordHeader("trace", "0123456789".getBytes(StandardCharsets.UTF_8)),
            new RecordHeader("type", "OrderPlaced".getBytes(StandardCharsets.UTF_8)));

    @Test
    void shouldTakeTheLargestEventKafkaTakesAndRefuseOneByteMoreBeforeAcceptingIt() throws Exception {
        String topic = "size-" + UUID.randomUUID().toString().substring(0, 8);
        int largest = largestValueKafkaTakes(topic);
        try (EventPublisher publisher = EventPublisher.builder().bootstrapServers(SharedKafkaBroker.bootstrapServers())
                .producerProperty("max.request.size", String.valueOf(LIMIT)).build()) {
            assertThat(publisher.sizeLimit().maxBytes()).isEqualTo(LIMIT);

            byte[] tooLarge = value(largest + 1, 'b');
            assertThatThrownBy(() -> publisher.publish(topic, KEY, tooLarge, HEADERS))
                    .isInstanceOf(EventTooLargeException.class)
                    .hasMessageContaining(topic).hasMessageContaining(String.valueOf(LIMIT)).hasMessageContaining("max.request.size")
                    .satisfies(e -> assertThat(((EventTooLargeException) e).bytes()).isEqualTo(LIMIT + 1));
            // All or none: a batch with one oversized event accepts none of it.
            assertThatThrownBy(() -> publisher.publishAll(List.of(new Event(topic, KEY, value(10, 'c'), HEADERS),
                    new Event(topic, KEY, tooLarge, HEADERS)))).isInstanceOf(EventTooLargeException.class);
            assertThat(publisher.outcomes().accepted()).isZero();

            PublishResult at = publisher.publish(topic, KEY, value(largest, 'a'), HEADERS).get(30, TimeUnit.SECONDS);
            assertThat(at.topic()).isEqualTo(topic);
        }
        assertThat(TopicReader.readAll(SharedKafkaBroker.bootstrapServers(), topic))
                .extracting(r -> r.value().length).containsExactly(largest);
    }

    @Test
    void shouldTakeTheSmallerOfMaxRequestSizeAndBufferMemory() {
        assertThat(EventSizeLimit.of(Map.of()).maxBytes()).isEqualTo(1024 * 1024);
        assertThat(EventSizeLimit.of(Map.of("max.request.size", "5000000", "buffer.memory", "3000000")).maxBytes())
                .isEqualTo(3_000_000);
        assertThat(EventSizeLimit.of(Map.of("max.request.size", "5000000", "buffer.memory", "3000000")).limitName())
                .contains("buffer.memory");
    }

    /** Kafka's own producer, same limit: the largest value (with our key and headers) its send() does not refuse. */
    private static int largestValueKafkaTakes(String topic) throws Exception {
        Map<String, Object> props = Map.of("bootstrap.servers", SharedKafkaBroker.bootstrapServers(),
                "max.request.size", LIMIT, "key.serializer", ByteArraySerializer.class, "value.serializer", ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(props)) {
            raw.partitionsFor(topic + "-raw"); // metadata first: send() then refuses only for size, on the spot
            // Downwards from the limit: a refusal is immediate, the first record taken is the largest.
            int fits = -1;
            for (int size = LIMIT; size > LIMIT - 200 && fits < 0; size--) {
                try {
                    raw.send(new ProducerRecord<>(topic + "-raw", null, KEY, value(size, 'r'), HEADERS)).get(30, TimeUnit.SECONDS);
                    fits = size;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(RecordTooLargeException.class);
                }
            }
            assertThat(fits).as("the raw producer takes some value between LIMIT-200 and LIMIT bytes").isPositive();
            return fits;
        }
    }

    private static byte[] value(int size, char fill) {
        byte[] v = new byte[size];
        Arrays.fill(v, (byte) fill);
        return v;
    }
}
