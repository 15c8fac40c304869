package dev.eventpublisher.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import dev.eventpublisher.Backpressure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layers and their order: reference < application < profile < config.file < environment < system properties. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    private DaemonSettings load(Map<String, String> env, Properties props) {
        return DaemonSettings.from(ConfigLoader.load(dir, null, env, props));
    }

    @Test
    void shouldLetEachLayerOverrideTheOnesBelowIt() throws Exception {
        Files.writeString(dir.resolve("application.conf"), "publisher.batch.size = 10\npublisher.ring.size = 1024\n"
                + "publisher.http.port = 1000\npublisher.kafka.producer.linger.ms = 7\n");
        Files.writeString(dir.resolve("development.conf"), "publisher.batch.size = 11\npublisher.http.port = 1111\n");
        Path explicit = dir.resolve("explicit.conf");
        Files.writeString(explicit, "publisher.batch.size = 12\npublisher.http.port = 2222\npublisher.ring.backpressure = drop\n");
        Map<String, String> env = new HashMap<>();
        Properties props = new Properties();

        assertThat(load(env, props).batchSize()).isEqualTo(11); // profile file over application.conf
        assertThat(load(env, props).ringSize()).isEqualTo(1024);
        assertThat(load(env, props).producerProperties()).containsEntry("linger.ms", "7");

        props.setProperty("config.file", explicit.toString());
        assertThat(load(env, props).batchSize()).isEqualTo(12);
        assertThat(load(env, props).backpressure()).isEqualTo(Backpressure.DROP);

        env.put("KAFKA_BATCH_SIZE", "13");
        env.put("KAFKA_BATCH_TIMEOUT_MS", "750");
        assertThat(load(env, props).batchSize()).isEqualTo(13);
        assertThat(load(env, props).batchTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(load(env, props).http().port()).isEqualTo(2222);

        props.setProperty("publisher.batch.size", "14");
        assertThat(load(env, props).batchSize()).isEqualTo(14);
    }

    @Test
    void shouldApplyTheProfileFileOfTheChosenProfile() throws Exception {
        Files.writeString(dir.resolve("production.conf"), "publisher.batch { size = 100, timeout = 1000ms }\n");
        Files.writeString(dir.resolve("test.conf"), "publisher.batch { size = 5, timeout = 100ms }\n");
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092"));

        env.put("PUBLISHER_PROFILE", "production");
        DaemonSettings production = load(env, new Properties());
        assertThat(production.batchSize()).isEqualTo(100);
        assertThat(production.batchTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(production.usesEmbeddedBroker()).isFalse();

        env.put("PUBLISHER_PROFILE", "test");
        assertThat(load(env, new Properties()).batchSize()).isEqualTo(5);

        DaemonSettings commandLine = DaemonSettings.from(ConfigLoader.load(dir, "production", env, new Properties()));
        assertThat(commandLine.profile()).isEqualTo("production");
    }

    @Test
    void shouldReadPerTopicOverridesIncludingTopicsWithDots() throws Exception {
        Files.writeString(dir.resolve("application.conf"),
                "publisher.topics { \"ProductCreated\" { batch.size = 200, batch.timeout = 50ms }, \"orders.v1\" { batch.size = 7 } }\n");

        DaemonSettings settings = load(Map.of(), new Properties());

        assertThat(settings.topics().get("ProductCreated").batchSize()).isEqualTo(200);
        assertThat(settings.topics().get("ProductCreated").batchTimeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(settings.topics().get("orders.v1").batchSize()).isEqualTo(7);
        assertThat(settings.topics().get("orders.v1").batchTimeout()).isNull();
    }

    @Test
    void shouldNameTheFileAndLineOfABadValue() throws Exception {
        Files.writeString(dir.resolve("application.conf"), "publisher {\n  batch {\n    size = 0\n  }\n}\n");

        assertThatThrownBy(() -> load(Map.of(), new Properties()))
                .isInstanceOf(ConfigProblem.class)
                .hasMessage("invalid publisher.batch.size=0 (from " + dir.resolve("application.conf") + ":3): "
                        + "must be an integer between 1 and 1000000");
    }

    @Test
    void shouldRefuseUnknownTopicSettings() throws Exception {
        Files.writeString(dir.resolve("application.conf"), "publisher.topics.orders.batch.sise = 3\n");

        assertThatThrownBy(() -> load(Map.of(), new Properties()))
                .hasMessageContaining("unknown setting publisher.topics.orders.batch.sise")
                .hasMessageContaining("a topic accepts batch.size and batch.timeout");
    }

    @Test
    void shouldFlushWhenIdleByDefaultAndRefuseAValueThatIsNotABoolean() {
        assertThat(load(Map.of(), new Properties()).flushWhenIdle()).isTrue();
        assertThat(load(Map.of(), new Properties()).publisherBuilder("k:9092").settings().flushWhenIdle()).isTrue();

        Properties off = new Properties();
        off.setProperty("publisher.kafka.flush-when-idle", "false");
        assertThat(load(Map.of(), off).publisherBuilder("k:9092").settings().flushWhenIdle()).isFalse();

        Properties bad = new Properties();
        bad.setProperty("publisher.kafka.flush-when-idle", "sometimes");
        assertThatThrownBy(() -> load(Map.of(), bad))
                .isInstanceOf(ConfigProblem.class)
                .hasMessageContaining("publisher.kafka.flush-when-idle=sometimes")
                .hasMessageContaining("must be true or false");
    }
}
