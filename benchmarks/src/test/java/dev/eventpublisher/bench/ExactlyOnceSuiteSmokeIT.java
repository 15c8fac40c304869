package dev.eventpublisher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exactly-once benchmarks in smoke mode (seconds each): proves every step still runs and the report is
 * written. It measures nothing and asserts no speed.
 */
class ExactlyOnceSuiteSmokeIT {

    @Test
    void shouldRunEveryExactlyOnceBenchmarkAndWriteTheReport(@TempDir Path out) throws Exception {
        Path lib = Path.of(System.getProperty("publisherd.lib", "../publisher-daemon/target/publisherd/lib"));
        Path config = Path.of(System.getProperty("publisherd.config", "../config"));

        ExactlyOnceSuite.run("smoke", out, lib, config, "smoke test");

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        // A second per step on a cold JVM: the numbers prove the steps ran, not how fast anything is.
        for (String mode : new String[] {"at-least-once", "exactly-once"}) {
            assertThat(summary.get("e2e_events_per_s").get("4t").get(mode).asDouble()).as(mode).isPositive();
            assertThat(summary.get("http_ndjson").get(mode).isNumber()).as(mode).isTrue();
        }
        for (String target : new String[] {"JOURNAL_BATCH", "EXACTLY_ONCE_20MS", "EXACTLY_ONCE_100MS"}) {
            assertThat(summary.get("publish_to_ack_ms").get(target).get(0).get("events").asLong()).as(target).isPositive();
        }
        assertThat(summary.get("ratios").get("e2e_4t_exactly_once_vs_at_least_once").isNumber()).isTrue();
        assertThat(Files.readString(out.resolve("summary.md"))).contains("| end to end, 4t (events/s) |");
    }
}
