package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.eventpublisher.daemon.testing.DaemonProcess;
import org.junit.jupiter.api.Test;

/**
 * Two daemons on one journal: the second refuses to start (exit 1) with one line naming the journal and
 * the process that holds it, and the first goes on serving, its journal untouched.
 */
class JournalLockIT {

    @Test
    void shouldRefuseASecondDaemonOnTheSameJournalAndNameTheHolder() throws Exception {
        Path journal = Files.createTempDirectory("journal-lock-");
        try (DaemonProcess first = DaemonProcess.start(Map.of("PUBLISHER_JOURNAL_DIR", journal.toString()), List.of())) {
            DaemonProcess.Result second = DaemonProcess.run(Map.of("PUBLISHER_JOURNAL_DIR", journal.toString(),
                    "KAFKA_BOOTSTRAP_SERVERS", first.kafkaBootstrap(), "PUBLISHER_HTTP_PORT",
                    Integer.toString(DaemonProcess.freePort())), List.of(), List.of("run"));
            assertThat(second.exitCode()).as(second.output()).isEqualTo(1);
            assertThat(second.output()).contains("publisherd: cannot start: cannot open the journal in " + journal)
                    .contains("in use by another publisher").contains("pid " + first.pid());
            assertThat(first.isAlive()).isTrue();
            assertThat(first.metric("journal.state")).isZero();
        }
    }
}
