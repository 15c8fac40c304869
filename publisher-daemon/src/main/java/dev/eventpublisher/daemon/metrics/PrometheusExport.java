package dev.eventpublisher.daemon.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import dev.eventpublisher.daemon.metrics.PrometheusNames.Family;
import dev.eventpublisher.daemon.metrics.PrometheusNames.Kind;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The daemon's metrics for Prometheus, built with the official Java client's model and written by its
 * exposition writers: the Dropwizard registry renamed by {@link PrometheusNames} (its {@code jvm.*} gauges
 * left to JMX and JSON), plus the client's own JVM metrics ({@code jvm_memory_*}, {@code jvm_gc_*},
 * {@code jvm_threads_*}, ...). OpenMetrics when the scraper's {@code Accept} asks for it. Thread-safe.
 */
public final class PrometheusExport {
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};
    private final MetricRegistry registry;
    private final PrometheusRegistry jvm = new PrometheusRegistry();
    private final ExpositionFormatWriter text = PrometheusTextFormatWriter.create();
    private final ExpositionFormatWriter openMetrics = OpenMetricsTextFormatWriter.create();

    public PrometheusExport(MetricRegistry registry) {
        this.registry = registry;
        JvmMetrics.builder().register(jvm);
    }

    /** The exposition the {@code Accept} header asks for (may be null): its bytes and Content-Type. */
    public Rendered render(String accept) {
        ExpositionFormatWriter writer = accept != null && openMetrics.accepts(accept) ? openMetrics : text;
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
        try {
            writer.write(out, snapshots(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Rendered(out.toByteArray(), writer.getContentType());
    }

    /** An exposition and its Content-Type. */
    public record Rendered(byte[] body, String contentType) {
    }

    /** Every family: ours, then the JVM's. */
    public MetricSnapshots snapshots() {
        Map<String, Builder> families = new LinkedHashMap<>();
        for (Map.Entry<String, Metric> e : registry.getMetrics().entrySet()) {
            String name = e.getKey();
            Metric metric = e.getValue();
            if (name.startsWith("jvm.")) {
                continue;
            }
            Kind held = metric instanceof Counter || metric instanceof Meter ? Kind.COUNTER
                    : metric instanceof Histogram || metric instanceof Timer ? Kind.SUMMARY : Kind.GAUGE;
            Family family = PrometheusNames.of(name, held);
            if (family == null) {
                continue;
            }
            Builder builder = families.computeIfAbsent(family.name(), n -> new Builder(family));
            if (builder.family.kind() == family.kind()) {
                builder.add(family, metric);
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        for (Builder b : families.values()) {
            MetricSnapshot s = b.build();
            if (s != null) {
                out.add(s);
            }
        }
        jvm.scrape().forEach(out::add);
        return new MetricSnapshots(out);
    }

    /** One family's data points, gathered from the Dropwizard metrics that map to it. */
    private static final class Builder {
        final Family family;
        private final Set<Labels> seen = new HashSet<>();
        private final List<Object> points = new ArrayList<>();

        Builder(Family family) {
            this.family = family;
        }

        void add(Family f, Metric metric) {
            Labels labels = f.label() == null ? Labels.EMPTY : Labels.of(f.label(), f.labelValue());
            if (!seen.add(labels)) {
                return; // two Dropwizard names for one series: keep the first
            }
            switch (f.kind()) {
                case COUNTER, GAUGE -> {
                    Double value = value(metric);
                    if (value == null) {
                        return;
                    }
                    double scaled = value * f.scale();
                    points.add(f.kind() == Kind.COUNTER
                            ? CounterSnapshot.CounterDataPointSnapshot.builder().value(Math.max(0, scaled)).labels(labels).build()
                            : GaugeSnapshot.GaugeDataPointSnapshot.builder().value(scaled).labels(labels).build());
                }
                case SUMMARY -> {
                    Snapshot snapshot;
                    long count;
                    if (metric instanceof Histogram h) {
                        snapshot = h.getSnapshot();
                        count = h.getCount();
                    } else if (metric instanceof Timer t) {
                        snapshot = t.getSnapshot();
                        count = t.getCount();
                    } else {
                        return;
                    }
                    Quantiles.Builder quantiles = Quantiles.builder();
                    for (double q : QUANTILES) {
                        quantiles.quantile(new Quantile(q, snapshot.getValue(q) * f.scale()));
                    }
                    // No _sum: the reservoir is a recent sample, its mean times the total count would be a guess.
                    points.add(SummarySnapshot.SummaryDataPointSnapshot.builder().count(count)
                            .quantiles(quantiles.build()).labels(labels).build());
                }
                default -> throw new IllegalStateException(f.kind().toString());
            }
        }

        private static Double value(Metric metric) {
            if (metric instanceof Counter c) {
                return (double) c.getCount();
            }
            if (metric instanceof Meter m) {
                return (double) m.getCount();
            }
            if (metric instanceof Gauge<?> g) {
                Object v = g.getValue();
                if (v instanceof Number n) {
                    return n.doubleValue();
                }
                if (v instanceof Boolean b) {
                    return b ? 1.0 : 0.0;
                }
            }
            return null;
        }

        MetricSnapshot build() {
            if (points.isEmpty()) {
                return null;
            }
            Unit unit = family.name().endsWith("_seconds") ? Unit.SECONDS
                    : family.name().endsWith("_bytes") ? Unit.BYTES : null;
            switch (family.kind()) {
                case COUNTER -> {
                    CounterSnapshot.Builder b = CounterSnapshot.builder().name(family.name()).help(family.help());
                    points.forEach(p -> b.dataPoint((CounterSnapshot.CounterDataPointSnapshot) p));
                    return (unit == null ? b : b.unit(unit)).build();
                }
                case GAUGE -> {
                    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(family.name()).help(family.help());
                    points.forEach(p -> b.dataPoint((GaugeSnapshot.GaugeDataPointSnapshot) p));
                    return (unit == null ? b : b.unit(unit)).build();
                }
                default -> {
                    SummarySnapshot.Builder b = SummarySnapshot.builder().name(family.name()).help(family.help());
                    points.forEach(p -> b.dataPoint((SummarySnapshot.SummaryDataPointSnapshot) p));
                    return (unit == null ? b : b.unit(unit)).build();
                }
            }
        }
    }
}
