package dev.eventpublisher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.kafka.embedded.EmbeddedKafkaBroker;
import dev.eventpublisher.testing.TopicReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker that requires SASL/PLAIN: producer security settings pass through; the right credentials
 * publish, wrong ones fail fast with a clear reason instead of hanging.
 */
class SaslKafkaIT {
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder().saslPlainUser("alice", "alice-secret").build().start();
        broker.createTopic("secured", 1);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    static Map<String, String> credentials(String user, String password) {
        return Map.of(
                "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    @Test
    void shouldPublishWithTheRightCredentials() throws Exception {
        try (EventPublisher publisher = EventPublisher.builder().bootstrapServers(broker.bootstrapServers())
                .producerProperties(credentials("alice", "alice-secret")).build()) {
            PublishResult result = publisher.publish("secured", "k", "hello").get(30, TimeUnit.SECONDS);
            assertThat(result.offset()).isGreaterThanOrEqualTo(0);
        }
        assertThat(TopicReader.readAll(broker.bootstrapServers(), "secured", credentials("alice", "alice-secret")))
                .extracting(r -> new String(r.value())).contains("hello");
    }

    @Test
    void shouldFailFastAndClearlyWithWrongCredentials() throws Exception {
        try (EventPublisher publisher = EventPublisher.builder().bootstrapServers(broker.bootstrapServers())
                .producerProperties(credentials("alice", "wrong")).closeTimeout(Duration.ofSeconds(5)).build()) {
            long start = System.nanoTime();
            CompletableFuture<PublishResult> future = publisher.publish("secured", "k", "nope");
            try {
                future.get(30, TimeUnit.SECONDS);
                throw new AssertionError("publishing with wrong credentials must fail");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(PublishFailedException.class);
                assertThat(((PublishFailedException) e.getCause()).reason()).isEqualTo("kafka:SaslAuthenticationException");
                assertThat(e.getCause()).hasMessageContaining("Authentication failed");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fails, does not hang until a timeout")
                    .isLessThan(Duration.ofSeconds(15));
        }
    }
}
