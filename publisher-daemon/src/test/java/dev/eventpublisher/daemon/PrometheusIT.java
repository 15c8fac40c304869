package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics/prometheus} from a running daemon (journal, exactly-once, so every family exists):
 * Prometheus's own linter accepts it, the naming rules hold family by family, values are in base units,
 * and a scraper that asks for OpenMetrics gets it.
 */
class PrometheusIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static DaemonProcess daemon;
    private static String exposition;

    @BeforeAll
    static void startDaemon() throws Exception {
        daemon = DaemonProcess.start(Map.of("PUBLISHER_DELIVERY", "exactly-once", "PUBLISHER_JOURNAL_ENABLED", "true"),
                List.of("-Dpublisher.kafka.producer.max.request.size=2097152")); // so the broker's 1 MiB limit refuses one
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/v1/events/metrics-topic?sync=true"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"i\":" + i + "}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        // One event over the broker's message.max.bytes, so a failure reason exists (and its labelled family).
        HttpResponse<String> failed = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/v1/events/metrics-topic?sync=true"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("\"" + HttpContractIT.incompressible(1_800_000) + "\"")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(207);
        exposition = get("/metrics/prometheus", null).body();
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.terminate(Duration.ofSeconds(60));
            daemon.close();
        }
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(daemon.baseUrl() + path));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** family name to type, from the # TYPE lines. */
    private static Map<String, String> types() {
        Map<String, String> types = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$").matcher(exposition);
        while (m.find()) {
            types.put(m.group(1), m.group(2));
        }
        return types;
    }

    private static double sample(String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
        assertThat(m.find()).as("%s in%n%s", series, exposition).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void shouldPassPromtool() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")),
                "promtool (Debian package prometheus) is not installed: the promtool lint was not run");
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(exposition.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String output = new String(promtool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(promtool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(promtool.exitValue()).as(output).isZero();
        assertThat(output).isBlank();
    }

    @Test
    void shouldFollowPrometheusNamingFamilyByFamily() {
        Map<String, String> types = types();
        assertThat(types).hasSizeGreaterThan(100);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> family : types.entrySet()) {
            String name = family.getKey();
            if (!name.matches("[a-z][a-z0-9_]*")) {
                problems.add(name + ": not snake_case");
            }
            if (name.matches(".*_(ns|ms|us|nanos|millis)(_.*)?")) {
                problems.add(name + ": not in base units");
            }
            if (family.getValue().equals("counter") != name.endsWith("_total")) {
                problems.add(name + ": " + family.getValue() + (name.endsWith("_total") ? " named _total" : " without _total"));
            }
            if (!family.getValue().equals("summary") && !family.getValue().equals("histogram")
                    && (name.endsWith("_count") || name.endsWith("_sum") || name.endsWith("_bucket"))) {
                problems.add(name + ": " + family.getValue() + " with a reserved suffix");
            }
            Matcher help = Pattern.compile("(?m)^# HELP " + Pattern.quote(name) + " (.+)$").matcher(exposition);
            if (!help.find() || help.group(1).length() < 10 || help.group(1).startsWith("Dropwizard metric without")) {
                problems.add(name + ": no useful HELP");
            }
        }
        assertThat(problems).isEmpty();
        assertThat(types).containsEntry("publisher_events_accepted_total", "counter")
                .containsEntry("publisher_events_publish_to_ack_seconds", "summary")
                .containsEntry("publisher_transactions_commit_seconds", "summary")
                .containsEntry("publisher_http_responses_total", "counter")
                .containsEntry("kafka_producer_record_send_total", "counter")
                .containsEntry("kafka_producer_request_latency_avg_seconds", "gauge")
                .containsEntry("jvm_memory_used_bytes", "gauge")
                .containsEntry("jvm_gc_collection_seconds", "summary")
                .containsEntry("jvm_threads_current", "gauge");
        assertThat(types.keySet()).noneMatch(n -> n.endsWith("_rate"));
    }

    @Test
    void shouldExportTheSameCountsInBaseUnits() throws Exception {
        var json = new ObjectMapper().readTree(get("/metrics", null).body());
        double accepted = json.at("/counters/events.accepted/count").asDouble();
        String fresh = get("/metrics/prometheus", null).body();
        Matcher m = Pattern.compile("(?m)^publisher_events_accepted_total (\\S+)$").matcher(fresh);
        assertThat(m.find()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isEqualTo(accepted).isGreaterThanOrEqualTo(20);
        double p50 = sample("publisher_events_publish_to_ack_seconds{quantile=\"0.5\"}");
        assertThat(p50).as("seconds, not nanoseconds: a sync publish takes well under a minute").isPositive().isLessThan(60);
        assertThat(sample("publisher_http_responses_total{class=\"2xx\"}")).isGreaterThanOrEqualTo(20);
        assertThat(sample("publisher_transactions_committed_total")).isPositive();
    }

    @Test
    void shouldShipAlertRulesThatPromtoolAcceptsOnMetricsThatExist() throws Exception {
        Path rules = Path.of("..", "deploy", "prometheus", "alerts.yml").toAbsolutePath().normalize();
        String text = Files.readAllLines(rules).stream().filter(l -> l.trim().startsWith("expr:"))
                .collect(java.util.stream.Collectors.joining("\n"));
        assertThat(text).as("expressions found").contains("publisher_");
        Map<String, String> types = types();
        List<String> unknown = new ArrayList<>();
        Matcher m = Pattern.compile("\\b((?:publisher|kafka_producer|jvm)_[a-z0-9_]+)").matcher(text);
        while (m.find()) {
            String name = m.group(1);
            if (!types.containsKey(name) && !types.containsKey(name.replaceAll("_(count|sum)$", ""))) {
                unknown.add(name);
            }
        }
        assertThat(unknown).as("metrics the alert rules name that the daemon does not export").isEmpty();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")),
                "promtool (Debian package prometheus) is not installed: promtool check rules was not run");
        Process check = new ProcessBuilder("promtool", "check", "rules", rules.toString()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(output).isZero();
        assertThat(output).contains("SUCCESS");
    }

    /**
     * The Grafana dashboard: every metric its queries (and variables) name is exported by this daemon, and
     * every query parses as PromQL (promtool checks them as recording rules, Grafana's variables filled in).
     */
    @Test
    void shouldShipADashboardWhoseQueriesNameExportedMetricsAndParse() throws Exception {
        Path file = Path.of("..", "deploy", "grafana", "publisher-dashboard.json").toAbsolutePath().normalize();
        var dashboard = new ObjectMapper().readTree(file.toFile());
        List<String> queries = new ArrayList<>();
        dashboard.get("panels").forEach(panel -> panel.get("targets").forEach(t -> queries.add(t.get("expr").asText())));
        dashboard.at("/templating/list").forEach(v -> {
            if (v.has("query") && v.get("query").asText().startsWith("label_values(")) {
                String q = v.get("query").asText();
                queries.add(q.substring("label_values(".length(), q.lastIndexOf(',')));
            }
        });
        assertThat(queries).hasSizeGreaterThan(10);
        Map<String, String> types = types();
        List<String> unknown = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (String q : queries) {
            Matcher m = Pattern.compile("\\b([a-z_][a-z0-9_]*)\\{").matcher(q);
            while (m.find()) {
                named.add(m.group(1));
                if (!types.containsKey(m.group(1))) {
                    unknown.add(m.group(1));
                }
            }
        }
        assertThat(unknown).as("metrics the dashboard queries that the daemon does not export").isEmpty();
        assertThat(named).contains("publisher_events_accepted_total", "publisher_events_acknowledged_total",
                "publisher_events_failed_by_reason_total", "publisher_events_publish_to_ack_seconds",
                "publisher_ring_free_slots", "publisher_circuit_state", "publisher_journal_unacknowledged_events");

        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")),
                "promtool (Debian package prometheus) is not installed: the dashboard's PromQL was not parsed");
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            String promql = queries.get(i).replace("$__rate_interval", "5m").replace("$job", ".*").replace("$instance", ".*");
            rules.append("      - record: dashboard:query_").append(i).append("\n        expr: '")
                    .append(promql.replace("'", "''")).append("'\n");
        }
        Path asRules = Files.createTempFile("dashboard-rules-", ".yml");
        Files.writeString(asRules, rules);
        Process check = new ProcessBuilder("promtool", "check", "rules", asRules.toString()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(output + rules).isZero();
    }

    @Test
    void shouldDocumentEveryPublisherFamilyInTheReadme() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> missing = types().keySet().stream().filter(n -> n.startsWith("publisher_"))
                .filter(n -> !readme.contains("`" + n + "`") && !readme.contains("`" + n + "{")).toList();
        assertThat(missing).as("publisher_* families missing from README's metric table").isEmpty();
    }

    @Test
    void shouldServeOpenMetricsWhenAskedFor() throws Exception {
        HttpResponse<String> open = get("/metrics/prometheus", "application/openmetrics-text; version=1.0.0,text/plain;q=0.5");
        assertThat(open.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/openmetrics-text"));
        assertThat(open.body()).contains("# TYPE publisher_events_accepted counter").endsWith("# EOF\n");
        HttpResponse<String> plain = get("/metrics/prometheus", "text/plain");
        assertThat(plain.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
    }
}
