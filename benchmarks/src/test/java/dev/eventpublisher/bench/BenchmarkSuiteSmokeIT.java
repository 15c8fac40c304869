package dev.eventpublisher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every benchmark, in smoke mode (about a second each, in this JVM): proves they still run and that
 * the report is written. It measures nothing and asserts no speed.
 */
class BenchmarkSuiteSmokeIT {

    @Test
    void shouldRunEveryBenchmarkAndWriteTheReport(@TempDir Path out) throws Exception {
        Path lib = Path.of(System.getProperty("publisherd.lib", "../publisher-daemon/target/publisherd/lib"));
        Path config = Path.of(System.getProperty("publisherd.config", "../config"));

        new BenchmarkSuite(BenchmarkSuite.Mode.SMOKE, out, lib, config, false, "smoke test").runAll();

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(summary.get("mode").asText()).isEqualTo("smoke");
        for (String ratio : new String[] {"core_vs_raw_disruptor", "e2e_vs_raw_producer", "e2e_4t_vs_raw_1t",
            "e2e_vs_sync_per_message"}) {
            assertThat(summary.get("ratios").get(ratio).isNumber()).as(ratio).isTrue();
        }
        assertThat(summary.get("throughput").get("e2e_events_per_s").asDouble()).isPositive();
        assertThat(summary.get("latency_ns").get("publish_p99").asLong()).isPositive();
        assertThat(summary.get("alloc_bytes_per_event").isNumber()).isTrue();
        assertThat(summary.get("http").get("ndjson_events_per_s").asDouble()).isPositive();
        assertThat(summary.get("http").get("single_requests_per_s").asDouble()).isPositive();
        assertThat(summary.get("new_topics_sync_latency").get("alone_requests").asLong()).isPositive();
        assertThat(summary.get("new_topics_sync_latency").get("fanning_out_requests").asLong()).isPositive();
        assertThat(summary.get("machine").get("cores").asInt()).isPositive();
        assertThat(Files.readString(out.resolve("summary.md"))).contains("| benchmark | score |");
        assertThat(Files.size(out.resolve("throughput.png"))).isGreaterThan(1000);
        try (var raw = Files.list(out.resolve("raw"))) {
            assertThat(raw.count()).isGreaterThanOrEqualTo(7);
        }
    }
}
