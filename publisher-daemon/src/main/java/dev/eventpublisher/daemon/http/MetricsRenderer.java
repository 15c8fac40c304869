package dev.eventpublisher.daemon.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.json.MetricsModule;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;

/** The registry as JSON (Dropwizard's own format) and as Prometheus text. Thread-safe. */
final class MetricsRenderer {
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final MetricRegistry registry;
    private final ObjectMapper json;
    private final DropwizardExports prometheus;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    MetricsRenderer(MetricRegistry registry) {
        this.registry = registry;
        this.json = new ObjectMapper().registerModule(new MetricsModule(TimeUnit.SECONDS, TimeUnit.MILLISECONDS, false));
        this.prometheus = new DropwizardExports(registry);
    }

    byte[] json() {
        try {
            return json.writeValueAsBytes(registry);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] prometheus() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, prometheus.collect(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
