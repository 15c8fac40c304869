package dev.eventpublisher.daemon.cli;

import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT handling. A shutdown hook alone would make the JVM exit with 143/130 once it
 * returns; handling the signals lets the daemon drain and then exit 0 by itself.
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    static void onTermination(Consumer<String> handler) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> handler.accept(signal.getName()));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.warn("cannot handle SIG{} ({}); relying on the shutdown hook", name, e.getMessage());
            }
        }
    }
}
