package dev.eventpublisher.daemon.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.codahale.metrics.Gauge;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.OutcomeReport;
import dev.eventpublisher.daemon.config.DaemonSettings;
import dev.eventpublisher.journal.Journal;
import dev.eventpublisher.journal.JournalConfig;
import dev.eventpublisher.metrics.MetricNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code publisherd journal …}: work on a journal directory without running the HTTP daemon. */
@Command(name = "journal", description = "Work on a journal directory.", subcommands = JournalCommand.Drain.class)
public final class JournalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /**
     * Delivers what a journal still holds (e.g. one left by a daemon that was killed and will not come back)
     * to the configured Kafka, then exits: 0 once every event in it has its outcome, 1 at the timeout with
     * what is left still in the journal. The journal's lock makes it refuse a journal another process holds.
     */
    @Command(name = "drain", description = "Deliver what a journal directory still holds to Kafka, then exit.")
    public static final class Drain implements Callable<Integer> {
        @Mixin
        ConfigOptions config;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The journal directory to drain.")
        Path dir;

        @Option(names = "--timeout", defaultValue = "10m", paramLabel = "DURATION",
                description = "Give up (exit 1, events kept in the journal) after this long (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isDirectory(dir) || !Files.exists(dir.resolve("checkpoint"))) {
                err.println("publisherd journal drain: " + dir + " is not a journal directory (no checkpoint file)");
                return 2;
            }
            DaemonSettings settings = config.settings();
            if (settings.usesEmbeddedBroker()) {
                err.println("publisherd journal drain: set KAFKA_BOOTSTRAP_SERVERS (or publisher.kafka.bootstrap-servers): "
                        + "a journal is drained to the Kafka cluster its events were meant for");
                return 2;
            }
            JournalConfig journal = (settings.journal() != null ? settings.journal() : JournalConfig.at(dir)).withDir(dir);
            EventPublisher publisher;
            try {
                publisher = settings.publisherBuilder(settings.bootstrapServers()).name("drain").journal(journal)
                        .exactlyOnce(settings.exactlyOnce()).build();
            } catch (IllegalStateException e) {
                err.println("publisherd journal drain: " + e.getMessage()); // e.g. the lock names the process that holds it
                return 1;
            }
            try (publisher) {
                Journal j = publisher.journal();
                out.println("drain: " + dir.toAbsolutePath() + " (journal " + j.id() + ") → " + settings.bootstrapServers());
                long deadline = System.nanoTime() + timeout.toNanos();
                long left = unacknowledged(publisher);
                while ((j.isReplaying() || left > 0) && System.nanoTime() < deadline) {
                    OutcomeReport r = publisher.outcomes();
                    out.printf(Locale.ROOT, "\rdrain: %s, %,d left, %,d replayed, %,d acknowledged, %,d failed   ",
                            j.isReplaying() ? "replaying" : "sending", left, r.replayed(), r.acknowledged(), r.failed());
                    out.flush();
                    Thread.sleep(500);
                    left = unacknowledged(publisher);
                }
                OutcomeReport r = publisher.outcomes();
                out.println();
                if (j.isReplaying() || left > 0) {
                    out.printf(Locale.ROOT, "drain: gave up after %s with %,d event(s) left in the journal (%s)%n",
                            timeout, left, j.failure() == null ? "Kafka did not take them" : j.failure());
                    return 1;
                }
                out.printf(Locale.ROOT, "drain: done: %,d replayed, %,d acknowledged, %,d failed %s; the journal is empty%n",
                        r.replayed(), r.acknowledged(), r.failed(), r.failedByReason());
                return 0;
            }
        }

        private static long unacknowledged(EventPublisher publisher) {
            Gauge<?> gauge = publisher.metrics().getGauges().get(MetricNames.JOURNAL_UNACKNOWLEDGED);
            return gauge == null ? 0 : ((Number) gauge.getValue()).longValue();
        }
    }
}
