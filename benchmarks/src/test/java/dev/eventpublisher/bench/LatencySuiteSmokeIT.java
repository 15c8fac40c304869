package dev.eventpublisher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The latency benchmarks in smoke mode (a second or two per step): proves every step still runs against the
 * packaged daemon and a real broker and that the report and chart are written. It asserts no speed.
 */
class LatencySuiteSmokeIT {

    @Test
    void shouldRunEveryLatencyBenchmarkAndWriteTheReport(@TempDir Path out) throws Exception {
        Path lib = Path.of(System.getProperty("publisherd.lib", "../publisher-daemon/target/publisherd/lib"));
        Path config = Path.of(System.getProperty("publisherd.config", "../config"));

        LatencySuite.run("smoke", out, lib, config, "smoke test");

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        for (String daemon : new String[] {"before", "defaults (journal fsync=batch)"}) {
            JsonNode d = summary.get("daemon").get(daemon);
            assertThat(d.get("sync_one_connection").get("requests").asLong()).as(daemon).isPositive();
            assertThat(d.get("raw_send_get").get("requests").asLong()).as(daemon).isPositive();
            assertThat(d.get("sync_32_connections").get("non2xx").asLong()).as(daemon + ": every sync request answered 200").isZero();
            if (IdleCpu.supported()) {
                assertThat(d.get("idle_cpu").get("byThread").has("publisher-batch")).as(daemon + ": the batcher thread is read").isTrue();
            }
        }
        for (AckLatency.Target target : AckLatency.Target.atLeastOnce()) {
            JsonNode point = summary.get("curves").get(target.label).get(0);
            assertThat(point.get("events").asLong()).as(target.label).isPositive();
            assertThat(point.get("achieved").asDouble()).as(target.label + ": acknowledgements were counted").isPositive();
        }
        assertThat(summary.get("ndjson_saturated").get("a").get(0).asDouble()).as("NDJSON before").isPositive();
        assertThat(summary.get("ndjson_saturated").get("b").get(0).asDouble()).as("NDJSON after").isPositive();
        assertThat(summary.get("e2e_events_per_s").get("1t").get("after").asDouble()).isPositive();
        assertThat(summary.get("e2e_events_per_s").get("1t").get("paired").get("ratios").size()).isEqualTo(1);
        assertThat(Files.readString(out.resolve("summary.md"))).contains("## Synchronous single-event HTTP");
        assertThat(Files.size(out.resolve("latency.png"))).isPositive();
    }
}
