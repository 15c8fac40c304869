package dev.eventpublisher.daemon;

import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.OutcomeReport;
import dev.eventpublisher.daemon.config.DaemonSettings;
import dev.eventpublisher.daemon.http.HttpServer;
import dev.eventpublisher.daemon.http.ReadinessProbe;
import dev.eventpublisher.daemon.idempotency.IdempotencyKeys;
import dev.eventpublisher.daemon.idempotency.KeyLog;
import dev.eventpublisher.journal.FsyncPolicy;
import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.daemon.jmx.BatchPublisherJmx;
import dev.eventpublisher.daemon.jmx.JvmMetrics;
import dev.eventpublisher.kafka.embedded.EmbeddedKafkaBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running daemon: (embedded broker) → publisher → readiness probe → JMX → HTTP, started in that
 * order and stopped in reverse. {@link #start} either returns a fully started daemon or closes what it
 * had already started and throws.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final DaemonSettings settings;
    private final MetricRegistry registry = new MetricRegistry();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private EmbeddedKafkaBroker broker;
    private EventPublisher publisher;
    private ReadinessProbe readiness;
    private BatchPublisherJmx jmx;
    private HttpServer http;
    private IdempotencyKeys idempotencyKeys;
    private int httpPort;

    private Daemon(DaemonSettings settings) {
        this.settings = settings;
        JvmMetrics.register(registry);
    }

    public static Daemon start(DaemonSettings settings) throws Exception {
        Daemon daemon = new Daemon(settings);
        try {
            daemon.startAll();
            return daemon;
        } catch (Exception | Error e) {
            daemon.closeQuietly();
            throw e;
        }
    }

    private void startAll() throws Exception {
        String bootstrap = settings.bootstrapServers();
        if (settings.usesEmbeddedBroker()) {
            broker = startEmbeddedBroker();
            bootstrap = broker.bootstrapServers();
        }
        idempotencyKeys = idempotencyKeys();
        try {
            publisher = settings.publisherBuilder(bootstrap).metricRegistry(registry)
                    .replayListener(idempotencyKeys.replayListener()).build();
            if (publisher.journal() != null) {
                idempotencyKeys.holdWhile(publisher.journal()::isReplaying);
            }
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof java.io.IOException) { // the journal could not be opened (locked, unreadable)
                throw new StartupException(e.getMessage() + "; stop the other daemon, or set PUBLISHER_JOURNAL_DIR to a "
                        + "directory of this daemon's own");
            }
            throw e;
        }
        readiness = new ReadinessProbe(bootstrap, settings.connectionProperties());
        if (settings.jmxEnabled()) {
            jmx = new BatchPublisherJmx(publisher, registry);
        }
        http = new HttpServer(settings.http(), publisher, readiness, registry, idempotencyKeys);
        try {
            httpPort = http.start();
        } catch (Exception e) {
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new StartupException("cannot listen on " + settings.http().host() + ":" + settings.http().port()
                        + " (" + e.getMessage() + "); set PUBLISHER_HTTP_PORT to a free port");
            }
            throw e;
        }
        LOG.info("publisher daemon ready (profile {}): POST http://127.0.0.1:{}/v1/events/<topic> → Kafka {}",
                settings.profile(), httpPort, bootstrap);
    }

    /**
     * The Idempotency-Key window; with a journal its keys are kept beside it (in {@code idempotency/}), so
     * the window survives a crash together with the events it covers.
     */
    private IdempotencyKeys idempotencyKeys() {
        JournalConfig journal = settings.journal();
        Duration window = settings.http().idempotencyWindow();
        KeyLog log = journal == null ? null : new KeyLog(journal.dir().resolve("idempotency"), window,
                journal.fsync() != FsyncPolicy.NONE, System::currentTimeMillis);
        return new IdempotencyKeys(window, settings.http().idempotencyCapacity(), log, System::currentTimeMillis, registry);
    }

    private EmbeddedKafkaBroker startEmbeddedBroker() {
        int port = settings.embeddedPort();
        EmbeddedKafkaBroker embedded = EmbeddedKafkaBroker.builder()
                .port(port)
                .dataDir(settings.embeddedDataDir())
                .defaultPartitions(settings.embeddedPartitions())
                .build();
        try {
            embedded.start();
        } catch (RuntimeException e) {
            embedded.close();
            throw new StartupException("cannot start the embedded Kafka broker on 127.0.0.1:" + port + " with data in "
                    + settings.embeddedDataDir().toAbsolutePath() + ": " + rootMessage(e)
                    + "; set PUBLISHER_EMBEDDED_KAFKA_PORT / PUBLISHER_DATA_DIR, or KAFKA_BOOTSTRAP_SERVERS for a real cluster");
        }
        LOG.warn("================================================================================");
        LOG.warn(" EMBEDDED KAFKA BROKER (development only) listening on {}", embedded.bootstrapServers());
        LOG.warn(" data in {}; set KAFKA_BOOTSTRAP_SERVERS to use a real cluster", settings.embeddedDataDir().toAbsolutePath());
        LOG.warn("================================================================================");
        return embedded;
    }

    public int httpPort() {
        return httpPort;
    }

    public MetricRegistry metrics() {
        return registry;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /**
     * Graceful stop: refuse new HTTP work, drain the publisher (every accepted event gets its outcome or
     * fails with {@code shutdown} at the deadline), answer pending sync requests, then stop the rest.
     */
    @Override
    public void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        LOG.info("shutting down: no new events; draining the publisher (deadline {} s)",
                settings.shutdownTimeout().toSeconds());
        if (http != null) {
            http.stopAccepting();
        }
        if (publisher != null) {
            OutcomeReport report = publisher.close(settings.shutdownTimeout());
            LOG.info("publisher drained: {}", report);
        }
        closeQuietly();
        stopped.countDown();
        LOG.info("stopped");
    }

    private void closeQuietly() {
        quietly(http);
        http = null;
        quietly(jmx);
        jmx = null;
        quietly(readiness);
        readiness = null;
        if (publisher != null && !publisher.isClosed()) {
            quietly(publisher);
        }
        quietly(idempotencyKeys);
        idempotencyKeys = null;
        quietly(broker);
        broker = null;
    }

    private static void quietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warn("error while stopping {}: {}", closeable.getClass().getSimpleName(), e.toString());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** A start-up failure with a message for the operator; printed without a stack trace. */
    public static final class StartupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public StartupException(String message) {
            super(message, null, false, false);
        }
    }
}
