package dev.eventpublisher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's benchmarks in smoke mode (seconds each): proves every step still runs and the report is
 * written. It measures nothing and asserts no speed.
 */
class JournalSuiteSmokeIT {

    @Test
    void shouldRunEveryJournalBenchmarkAndWriteTheReport(@TempDir Path out) throws Exception {
        Path lib = Path.of(System.getProperty("publisherd.lib", "../publisher-daemon/target/publisherd/lib"));
        Path config = Path.of(System.getProperty("publisherd.config", "../config"));

        JournalSuite.run("smoke", out, lib, config, "smoke test");

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        // A second per step on a cold JVM: the numbers prove the steps ran, not how fast anything is.
        for (String mode : new String[] {"off", "none", "interval", "batch"}) {
            assertThat(summary.get("e2e_events_per_s").get("4t").get(mode).asDouble()).as(mode).isPositive();
            assertThat(summary.get("http_ndjson").get(mode).get("events_per_s_acknowledged").isNumber()).as(mode).isTrue();
            assertThat(summary.get("http_202_latency_ms_at_half_max").get(mode).get("requests").asLong()).as(mode).isPositive();
        }
        assertThat(summary.get("fsync_ms").get("p99").asDouble()).isPositive();
        assertThat(summary.get("replay").get("events").asLong()).isEqualTo(10_000);
        assertThat(summary.get("ratios").get("e2e_4t_batch_vs_off").isNumber()).isTrue();
        assertThat(Files.readString(out.resolve("summary.md"))).contains("| end to end, 4t (events/s) |");
    }
}
