package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import dev.eventpublisher.sender.DiscardingBatchSender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad settings and bad arguments fail at build or publish time, naming the setting and the value. */
class EventPublisherBuilderTest {

    static Stream<Arguments> invalidSettings() {
        return Stream.of(
                Arguments.of("ring size not a power of two", (UnaryOperator<EventPublisherBuilder>) b -> b.ringSize(1000),
                        "invalid ringSize=1000: must be a power of two"),
                Arguments.of("ring size zero", (UnaryOperator<EventPublisherBuilder>) b -> b.ringSize(0),
                        "invalid ringSize=0"),
                Arguments.of("batch size above max", (UnaryOperator<EventPublisherBuilder>) b -> b.batchSize(500).maxBatchSize(200),
                        "invalid batchSize=500: must be <= maxBatchSize (200)"),
                Arguments.of("batch size zero", (UnaryOperator<EventPublisherBuilder>) b -> b.batchSize(0),
                        "invalid batchSize=0: must be >= 1"),
                Arguments.of("max batch size negative", (UnaryOperator<EventPublisherBuilder>) b -> b.maxBatchSize(-5),
                        "invalid maxBatchSize=-5: must be >= 1"),
                Arguments.of("negative batch timeout", (UnaryOperator<EventPublisherBuilder>) b -> b.batchTimeout(Duration.ofMillis(-1)),
                        "invalid batchTimeout=PT-0.001S: must be a positive duration"),
                Arguments.of("zero batch timeout", (UnaryOperator<EventPublisherBuilder>) b -> b.batchTimeout(Duration.ZERO),
                        "invalid batchTimeout=PT0S: must be a positive duration"),
                Arguments.of("negative block timeout", (UnaryOperator<EventPublisherBuilder>) b -> b.blockTimeout(Duration.ofSeconds(-2)),
                        "invalid blockTimeout=PT-2S: must be zero or a positive duration"),
                Arguments.of("negative close timeout", (UnaryOperator<EventPublisherBuilder>) b -> b.closeTimeout(Duration.ofSeconds(-1)),
                        "invalid closeTimeout=PT-1S"),
                Arguments.of("zero tick interval", (UnaryOperator<EventPublisherBuilder>) b -> b.tickInterval(Duration.ZERO),
                        "invalid tickInterval=PT0S"),
                Arguments.of("topic batch size above max", (UnaryOperator<EventPublisherBuilder>) b -> b.topic("orders", 300, null),
                        "invalid topics.orders.batchSize=300: must be <= maxBatchSize (200)"),
                Arguments.of("topic negative timeout", (UnaryOperator<EventPublisherBuilder>) b -> b.topic("orders", null, Duration.ofMillis(-5)),
                        "invalid topics.orders.batchTimeout=PT-0.005S"),
                Arguments.of("illegal override topic name", (UnaryOperator<EventPublisherBuilder>) b -> b.topic("bad topic", 5, null),
                        "invalid topic='bad topic'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSettings")
    void shouldRefuseInvalidSettingsNamingTheSettingAndTheValue(String what, UnaryOperator<EventPublisherBuilder> change,
                                                                String message) {
        EventPublisherBuilder builder = change.apply(EventPublisher.builder().batchSender(new DiscardingBatchSender()));

        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void shouldRequireBootstrapServersForKafka() {
        assertThatThrownBy(() -> EventPublisher.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid bootstrapServers=null: is required");
        assertThatThrownBy(() -> EventPublisher.builder().bootstrapServers("  ").build())
                .hasMessageContaining("invalid bootstrapServers='  '");
    }

    @Test
    void shouldApplySafeProducerDefaultsAndLetEveryPropertyBeOverridden() {
        PublisherSettings settings = EventPublisher.builder()
                .bootstrapServers("127.0.0.1:1")
                .producerProperty("linger.ms", "20")
                .producerProperty("security.protocol", "SASL_SSL")
                .settings();

        assertThat(settings.producerProperties())
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true")
                .containsEntry("max.block.ms", "10000")
                .containsEntry("linger.ms", "20")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "127.0.0.1:1");
    }

    @Test
    void shouldDeriveTheTickIntervalFromTheShortestTimeout() {
        PublisherSettings settings = EventPublisher.builder().batchSender(new DiscardingBatchSender())
                .batchTimeout(Duration.ofMillis(500)).topic("fast", null, Duration.ofMillis(30)).settings();

        assertThat(settings.tickInterval()).isEqualTo(Duration.ofMillis(3));
        assertThat(settings.batchTimeoutFor("fast")).isEqualTo(Duration.ofMillis(30));
        assertThat(settings.batchTimeoutFor("other")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void shouldRefuseIllegalTopicsAtPublishTime() {
        try (EventPublisher publisher = EventPublisher.builder().batchSender(new DiscardingBatchSender()).build()) {
            assertThatThrownBy(() -> publisher.publish(null, "k", "v"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("invalid topic=null: a topic is required");
            assertThatThrownBy(() -> publisher.publish("", "k", "v"))
                    .hasMessage("invalid topic='': must be 1-249 characters long, was 0");
            assertThatThrownBy(() -> publisher.tryPublish("a b", null, null))
                    .hasMessageContaining("invalid topic='a b': only letters, digits, '.', '_' and '-' are allowed")
                    .hasMessageContaining("index 1");
            assertThatThrownBy(() -> publisher.publish("x".repeat(250), "k", "v"))
                    .hasMessageContaining("must be 1-249 characters long, was 250");
            assertThatThrownBy(() -> publisher.publish("..", "k", "v")).hasMessageContaining("'.' and '..' are not allowed");

            assertThat(publisher.outcomes().accepted()).isZero();
            assertThat(publisher.outcomes().rejected()).isZero();
        }
    }
}
