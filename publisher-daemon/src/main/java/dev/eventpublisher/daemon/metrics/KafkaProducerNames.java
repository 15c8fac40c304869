package dev.eventpublisher.daemon.metrics;

import java.util.Set;

import dev.eventpublisher.daemon.metrics.PrometheusNames.Family;
import dev.eventpublisher.daemon.metrics.PrometheusNames.Kind;

/**
 * The Kafka producer's own metrics (bridged into Dropwizard as gauges) in Prometheus terms. Kafka's
 * {@code -total} metrics are cumulative, so they become counters; its {@code -rate} metrics are left out
 * (Prometheus derives rates from the counters); times in nanoseconds or milliseconds become seconds and
 * sizes get a {@code _bytes} unit. Returns null for a metric that is not exported.
 */
final class KafkaProducerNames {
    /** Kafka producer metrics measured in milliseconds without saying so in their names. */
    private static final Set<String> MILLIS = Set.of("request-latency-avg", "request-latency-max", "record-queue-time-avg",
            "record-queue-time-max", "produce-throttle-time-avg", "produce-throttle-time-max",
            "reauthentication-latency-avg", "reauthentication-latency-max");
    private static final Set<String> BYTE_SIZES = Set.of("batch-size-avg", "batch-size-max", "record-size-avg",
            "record-size-max", "request-size-avg", "request-size-max");

    private KafkaProducerNames() {
    }

    static Family of(String metric) {
        String help = "Kafka producer metric " + metric + " (see Kafka's producer monitoring documentation).";
        if (metric.endsWith("-rate") && !metric.equals("compression-rate-avg")) {
            return null;
        }
        if (metric.endsWith("-time-ns-total")) {
            String base = metric.substring(0, metric.length() - "-time-ns-total".length());
            return family(base + "-time-seconds", Kind.COUNTER, 1e-9, help);
        }
        if (metric.endsWith("-byte-total")) {
            return family(metric.substring(0, metric.length() - "-byte-total".length()) + "-bytes", Kind.COUNTER, 1, help);
        }
        if (metric.endsWith("-total")) {
            return family(metric.substring(0, metric.length() - "-total".length()), Kind.COUNTER, 1, help);
        }
        if (metric.endsWith("-time-ns-avg")) {
            return family(metric.substring(0, metric.length() - "-time-ns-avg".length()) + "-time-avg-seconds",
                    Kind.GAUGE, 1e-9, help);
        }
        if (MILLIS.contains(metric)) {
            return family(metric + "-seconds", Kind.GAUGE, 1e-3, help);
        }
        if (BYTE_SIZES.contains(metric)) {
            return family(metric + "-bytes", Kind.GAUGE, 1, help);
        }
        return switch (metric) {
            case "metadata-age" -> family("metadata-age-seconds", Kind.GAUGE, 1, help);
            case "connection-count" -> family("connections", Kind.GAUGE, 1, help);
            case "compression-rate-avg" -> family("compression-ratio-avg", Kind.GAUGE, 1, help);
            default -> family(metric, Kind.GAUGE, 1, help);
        };
    }

    private static Family family(String name, Kind kind, double scale, String help) {
        return new Family("kafka_producer_" + PrometheusNames.snake(name), kind, scale, help, null, null);
    }
}
