package dev.eventpublisher.daemon.http;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka is reachable, checked in the background every couple of seconds with an Admin
 * {@code describeCluster} (so a readiness request never waits on Kafka). Uses the producer's
 * connection and security settings.
 */
public final class ReadinessProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReadinessProbe.class);
    private static final long PERIOD_MS = 2000;

    /** The last check's outcome. */
    public record Status(boolean reachable, int brokers, String detail) {
    }

    private final Admin admin;
    private final ScheduledExecutorService timer;
    private volatile Status status = new Status(false, 0, "not checked yet");

    /** @param connectionProperties security/TLS/SASL settings only (Admin warns about producer-only keys) */
    public ReadinessProbe(String bootstrapServers, Map<String, String> connectionProperties) {
        Map<String, Object> props = new HashMap<>(connectionProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "publisher-readiness");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        this.admin = Admin.create(props);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "publisher-readiness");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    public Status status() {
        return status;
    }

    /** Checks now (on the calling thread) and returns the outcome. */
    public Status check() {
        Status next;
        try {
            Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                    .nodes().get(4, TimeUnit.SECONDS);
            next = nodes.isEmpty() ? new Status(false, 0, "no brokers in the cluster metadata")
                    : new Status(true, nodes.size(), "reachable");
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            next = new Status(false, 0, cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
        }
        if (next.reachable() != status.reachable()) {
            LOG.info("Kafka is {} ({})", next.reachable() ? "reachable" : "NOT reachable", next.detail());
        }
        status = next;
        return next;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
