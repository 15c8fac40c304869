package dev.eventpublisher.daemon.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.json.MetricsModule;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.metrics.PrometheusExport;

/** The registry as JSON (Dropwizard's own format) and as Prometheus text. Thread-safe. */
final class MetricsRenderer {
    private final MetricRegistry registry;
    private final ObjectMapper json;
    private final PrometheusExport prometheus;

    MetricsRenderer(MetricRegistry registry) {
        this.registry = registry;
        this.json = new ObjectMapper().registerModule(new MetricsModule(TimeUnit.SECONDS, TimeUnit.MILLISECONDS, false));
        this.prometheus = new PrometheusExport(registry);
    }

    byte[] json() {
        try {
            return json.writeValueAsBytes(registry);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prometheus text (0.0.4), or OpenMetrics when {@code accept} asks for it. */
    PrometheusExport.Rendered prometheus(String accept) {
        return prometheus.render(accept);
    }
}
