package dev.eventpublisher.daemon.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.eventpublisher.daemon.Daemon;
import dev.eventpublisher.daemon.config.DaemonSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code publisherd run}: start the daemon and serve until SIGTERM/SIGINT, then drain and exit 0. */
@Command(name = "run", description = "Run the daemon (the default command): HTTP ingestion → ring → batches → Kafka.")
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        DaemonSettings settings = config.settings();
        CountDownLatch stopSignal = new CountDownLatch(1);
        Signals.onTermination(signal -> {
            LOG.info("received SIG{}", signal);
            stopSignal.countDown();
        });
        Daemon daemon = Daemon.start(settings);
        // A JVM exit that did not come through a signal (e.g. System.exit elsewhere) still drains.
        Thread hook = new Thread(daemon::close, "publisher-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
        stopSignal.await();
        daemon.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the JVM is exiting anyway
        }
        return 0;
    }
}
