package dev.eventpublisher.daemon.jmx;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.OutcomeReport;

/**
 * Publishes the daemon over JMX: every Dropwizard metric under the domain {@code eventpublisher}
 * (through {@link JmxReporter}) and the {@link BatchPublisherMXBean}.
 */
public final class BatchPublisherJmx implements BatchPublisherMXBean, AutoCloseable {
    public static final String DOMAIN = "eventpublisher";
    public static final String OBJECT_NAME = DOMAIN + ":type=BatchPublisher";
    private static final long FLUSH_TIMEOUT_SECONDS = 30;

    private final EventPublisher publisher;
    private final JmxReporter reporter;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name;

    public BatchPublisherJmx(EventPublisher publisher, MetricRegistry registry) throws JMException {
        this.publisher = publisher;
        this.name = new ObjectName(OBJECT_NAME);
        this.reporter = JmxReporter.forRegistry(registry).inDomain(DOMAIN)
                .convertDurationsTo(TimeUnit.MILLISECONDS).convertRatesTo(TimeUnit.SECONDS).build();
        reporter.start();
        server.registerMBean(this, name);
    }

    @Override
    public int getPendingEvents() {
        return publisher.batchStatus().pendingEvents();
    }

    @Override
    public int getBatchSize() {
        return publisher.batchStatus().batchSize();
    }

    @Override
    public long getBatchTimeoutMs() {
        return publisher.batchStatus().batchTimeout().toMillis();
    }

    @Override
    public int getMaxBatchSize() {
        return publisher.batchStatus().maxBatchSize();
    }

    @Override
    public boolean isHasScheduledFlush() {
        return publisher.batchStatus().hasScheduledFlush();
    }

    @Override
    public long getAcceptedEvents() {
        return publisher.outcomes().accepted();
    }

    @Override
    public long getAcknowledgedEvents() {
        return publisher.outcomes().acknowledged();
    }

    @Override
    public long getFailedEvents() {
        return publisher.outcomes().failed();
    }

    @Override
    public long getRejectedEvents() {
        return publisher.outcomes().rejected();
    }

    @Override
    public long getDroppedEvents() {
        return publisher.outcomes().dropped();
    }

    @Override
    public String getJournalState() {
        return publisher.journal() == null ? "DISABLED" : publisher.journal().state();
    }

    @Override
    public String getCircuitState() {
        return publisher.circuitState().name();
    }

    @Override
    public String forceFlush() {
        try {
            publisher.forceFlush().get(FLUSH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            OutcomeReport report = publisher.outcomes();
            return "flushed: " + report;
        } catch (java.util.concurrent.TimeoutException e) {
            return "flush requested; not complete after " + FLUSH_TIMEOUT_SECONDS + " s";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (java.util.concurrent.ExecutionException e) {
            return "flush failed: " + e.getCause();
        }
    }

    @Override
    public void close() {
        reporter.stop();
        try {
            server.unregisterMBean(name);
        } catch (JMException e) {
            // already gone
        }
    }
}
