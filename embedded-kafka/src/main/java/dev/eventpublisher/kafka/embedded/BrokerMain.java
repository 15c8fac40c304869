package dev.eventpublisher.kafka.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs an {@link EmbeddedKafkaBroker} as a process of its own, so fault tests can kill it with SIGKILL
 * (a broker inside the test JVM can only be stopped politely).
 *
 * <pre>
 * java -cp ... dev.eventpublisher.kafka.embedded.BrokerMain --port 9092 --data-dir /tmp/kafka [--partitions 3]
 *      [--property key=value]...
 * </pre>
 * Prints {@code BROKER READY 127.0.0.1:<port>} on standard output once it serves; SIGTERM stops it
 * cleanly, SIGKILL leaves its data as a crash would.
 */
public final class BrokerMain {
    /** The line printed once the broker serves. */
    public static final String READY = "BROKER READY ";

    private BrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> builder.port(Integer.parseInt(value));
                case "--data-dir" -> builder.dataDir(Path.of(value));
                case "--partitions" -> builder.defaultPartitions(Integer.parseInt(value));
                case "--property" -> {
                    int eq = value.indexOf('=');
                    builder.brokerProperty(value.substring(0, eq), value.substring(eq + 1));
                }
                default -> {
                    System.err.println("unknown argument " + args[i]
                            + "; usage: --port N --data-dir DIR [--partitions N] [--property key=value]...");
                    System.exit(2);
                }
            }
            i++;
        }
        EmbeddedKafkaBroker broker = builder.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.stop();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println(READY + broker.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}
