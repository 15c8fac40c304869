package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.eventpublisher.daemon.testing.DaemonProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invalid configuration stops start-up: the real process exits with status 2 and prints one line naming
 * the key, the value, where it came from and the rule — no stack trace.
 */
class ConfigErrorsIT {

    static Stream<Arguments> invalidSettings() throws Exception {
        Path badFile = Files.createTempFile("bad-", ".conf");
        Files.writeString(badFile, "publisher {\n  ring {\n    size = 1000\n  }\n}\n");
        Path typo = Files.createTempFile("typo-", ".conf");
        Files.writeString(typo, "publisher.batch.szie = 10\n");
        Path broken = Files.createTempFile("broken-", ".conf");
        Files.writeString(broken, "publisher { batch { size = 10 \n");
        return Stream.of(
                Arguments.of(Map.of("KAFKA_BATCH_SIZE", "abc"), List.of(),
                        "invalid publisher.batch.size=abc (from environment variable KAFKA_BATCH_SIZE): must be an integer"),
                Arguments.of(Map.of("KAFKA_BATCH_SIZE", "500"), List.of(),
                        "invalid publisher.batch.size=500 (from environment variable KAFKA_BATCH_SIZE): must be <= publisher.batch.max-size (200"),
                Arguments.of(Map.of("KAFKA_MAX_BATCH_SIZE", "-1"), List.of(),
                        "invalid publisher.batch.max-size=-1 (from environment variable KAFKA_MAX_BATCH_SIZE)"),
                Arguments.of(Map.of("KAFKA_BATCH_TIMEOUT_MS", "soon"), List.of(),
                        "invalid publisher.batch.timeout=soon (from environment variable KAFKA_BATCH_TIMEOUT_MS): must be a positive duration"),
                Arguments.of(Map.of("KAFKA_BATCH_TIMEOUT_MS", "0"), List.of(),
                        "invalid publisher.batch.timeout=0ms (from environment variable KAFKA_BATCH_TIMEOUT_MS): must be a positive duration"),
                Arguments.of(Map.of("PUBLISHER_PROFILE", "staging"), List.of(),
                        "invalid publisher.profile=staging (from environment variable PUBLISHER_PROFILE): must be one of development, production, test"),
                Arguments.of(Map.of("PUBLISHER_PROFILE", "production"), List.of(),
                        "invalid publisher.kafka.bootstrap-servers= (from reference.conf"),
                Arguments.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", "localhost"), List.of(),
                        "invalid publisher.kafka.bootstrap-servers=localhost (from environment variable KAFKA_BOOTSTRAP_SERVERS): must be a comma-separated list of host:port"),
                Arguments.of(Map.of("PUBLISHER_HTTP_PORT", "70000"), List.of(),
                        "invalid publisher.http.port=70000 (from environment variable PUBLISHER_HTTP_PORT): must be an integer between 0 and 65535"),
                Arguments.of(Map.of("PUBLISHER_BACKPRESSURE", "maybe"), List.of(),
                        "invalid publisher.ring.backpressure=maybe (from environment variable PUBLISHER_BACKPRESSURE): must be one of block, reject, drop"),
                Arguments.of(Map.of("KAFKA_CONSUMER_MAX_WAIT_MS", "-5"), List.of(),
                        "invalid publisher.kafka.consumer.max-wait-ms=-5 (from environment variable KAFKA_CONSUMER_MAX_WAIT_MS)"),
                Arguments.of(Map.of(), List.of("-Dconfig.file=" + badFile),
                        "invalid publisher.ring.size=1000 (from " + badFile + ":3): must be a power of two"),
                Arguments.of(Map.of(), List.of("-Dconfig.file=" + typo),
                        "unknown setting publisher.batch.szie (from " + typo + ":1)"),
                Arguments.of(Map.of(), List.of("-Dconfig.file=" + broken), broken.toString()),
                Arguments.of(Map.of(), List.of("-Dpublisher.ring.wait-strategy=spin"),
                        "invalid publisher.ring.wait-strategy=spin (from system properties): must be one of parking, backoff, blocking, lite-blocking"),
                Arguments.of(Map.of(), List.of("-Dpublisher.topics.orders.batch.size=900"),
                        "invalid publisher.topics.orders.batch.size=900 (from system properties): must be an integer between 1 and 200"),
                Arguments.of(Map.of("PUBLISHER_JOURNAL_FSYNC", "sometimes"), List.of(),
                        "invalid publisher.journal.fsync=sometimes (from environment variable PUBLISHER_JOURNAL_FSYNC): must be one of batch, interval, none"),
                Arguments.of(Map.of("PUBLISHER_JOURNAL_ENABLED", "yes please"), List.of(),
                        "invalid publisher.journal.enabled=yes please (from environment variable PUBLISHER_JOURNAL_ENABLED): must be true or false"),
                Arguments.of(Map.of(), List.of("-Dpublisher.journal.max-bytes=8MiB"),
                        "invalid publisher.journal.max-bytes=8MiB (from system properties): must be at least 4 x publisher.journal.segment-bytes"),
                Arguments.of(Map.of(), List.of("-Dpublisher.journal.segment-bytes=1000"),
                        "invalid publisher.journal.segment-bytes=1000 (from system properties): must be a size in bytes between 1048576"),
                Arguments.of(Map.of("PUBLISHER_JOURNAL_DIR", badFile.toString()), List.of(),
                        "invalid publisher.journal.dir=" + badFile + " (from environment variable PUBLISHER_JOURNAL_DIR): exists and is not a directory"),
                Arguments.of(Map.of("PUBLISHER_DELIVERY", "twice"), List.of(),
                        "invalid publisher.delivery=twice (from environment variable PUBLISHER_DELIVERY): must be one of at-least-once, exactly-once"),
                Arguments.of(Map.of("PUBLISHER_DELIVERY", "exactly-once", "PUBLISHER_JOURNAL_ENABLED", "false"), List.of(),
                        "invalid publisher.delivery=exactly-once (from environment variable PUBLISHER_DELIVERY): exactly-once needs the journal"
                                + " (publisher.journal.enabled = true, from environment variable PUBLISHER_JOURNAL_ENABLED)"),
                Arguments.of(Map.of("PUBLISHER_DELIVERY", "exactly-once"), List.of("-Dpublisher.kafka.producer.transactional.id=mine"),
                        "invalid publisher.kafka.producer.transactional.id=mine (from system properties): must not be set with"
                                + " publisher.delivery = exactly-once"),
                Arguments.of(Map.of("PUBLISHER_DELIVERY", "exactly-once"), List.of("-Dpublisher.transaction.interval=40s"),
                        "(from system properties): must be at most half of kafka.producer.transaction.timeout.ms (60000 ms)"),
                Arguments.of(Map.of(), List.of("-Dpublisher.transaction.offsets-topic=bad topic"),
                        "invalid publisher.transaction.offsets-topic=bad topic (from system properties): invalid topic='bad topic'"));
    }

    @ParameterizedTest
    @MethodSource("invalidSettings")
    void shouldExitWithStatusTwoAndOneLineNamingTheKey(Map<String, String> env, List<String> jvmOptions, String expected) {
        DaemonProcess.Result result = DaemonProcess.run(env, jvmOptions, List.of("run"));

        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        List<String> lines = result.output().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("exactly one line, no stack trace").hasSize(1);
        assertThat(lines.get(0)).startsWith("publisherd: config error: ").contains(expected);
    }

    @Test
    void shouldPrintTheEffectiveConfigurationWithOrigins() {
        DaemonProcess.Result result = DaemonProcess.run(Map.of("KAFKA_BATCH_SIZE", "20", "PUBLISHER_PROFILE", "production",
                "KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092", "PUBLISHER_HTTP_TOKEN", "hunter2",
                "PUBLISHER_JOURNAL_FSYNC", "interval"),
                List.of("-Dpublisher.batch.timeout=250ms"), List.of("check-config"));

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output())
                .contains("# profile: production")
                .containsPattern("publisher.batch.size = \"?20\"?\\s+# environment variable KAFKA_BATCH_SIZE")
                .containsPattern("publisher.batch.timeout = \"?250ms\"?\\s+# system properties")
                .containsPattern("publisher.batch.max-size = 200\\s+# .*production.conf:5")
                .containsPattern("publisher.kafka.bootstrap-servers = \"kafka-1:9092,kafka-2:9092\"\\s+# environment variable")
                .contains("publisher.http.auth.bearer-token = \"<redacted>\"")
                .containsPattern("publisher.journal.fsync = \"?interval\"?\\s+# environment variable PUBLISHER_JOURNAL_FSYNC")
                .containsPattern("publisher.journal.max-bytes = \"?1GiB\"?\\s+# reference.conf")
                .containsPattern("publisher.journal.dir = \"data/journal\"\\s+# reference.conf")
                .doesNotContain("hunter2");
    }

    @Test
    void shouldExplainAnHttpPortAlreadyInUse() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
            DaemonProcess.Result result = DaemonProcess.run(Map.of("PUBLISHER_HTTP_PORT", Integer.toString(taken.getLocalPort()),
                    "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"), List.of(), List.of("run"));
            assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
            assertThat(result.output()).contains("publisherd: cannot start: cannot listen on 0.0.0.0:" + taken.getLocalPort())
                    .contains("PUBLISHER_HTTP_PORT");
        }
    }
}
