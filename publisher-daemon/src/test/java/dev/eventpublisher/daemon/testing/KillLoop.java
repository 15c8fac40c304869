package dev.eventpublisher.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToLongFunction;

/**
 * The daemon SIGKILLed again and again under HTTP NDJSON load (2 keep-alive clients, 100 events a request),
 * each time at a random moment once it accepted 2,000 more events, and started again on the same journal and
 * port; the last run is stopped with SIGTERM (exit 0 asserted). What each run's log says can be summed.
 */
public final class KillLoop {
    /** What the loop did: the load (ids sent, ids answered 202), the sum of {@code fromLog} over the runs, a story. */
    public record Result(HttpLoad load, long fromLogs, String story) {
    }

    private KillLoop() {
    }

    /**
     * @param env     the daemon's environment; the journal directory and HTTP port are added
     * @param fromLog read from each run's log once it ended (e.g. a count of replayed events)
     */
    public static Result run(String bootstrap, String topic, int kills, long seed, Map<String, String> env,
                             ToLongFunction<String> fromLog) throws Exception {
        return run(bootstrap, topic, kills, seed, env, fromLog, false);
    }

    /** @param idempotent the load sends Idempotency-Keys and retries a request, same key, until answered */
    public static Result run(String bootstrap, String topic, int kills, long seed, Map<String, String> env,
                             ToLongFunction<String> fromLog, boolean idempotent) throws Exception {
        Path journal = Files.createTempDirectory("journal-kill-loop-");
        Map<String, String> all = new HashMap<>(env);
        all.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        all.put("PUBLISHER_JOURNAL_DIR", journal.toString());
        all.put("PUBLISHER_HTTP_PORT", Integer.toString(DaemonProcess.freePort()));
        Random random = new Random(seed);
        StringBuilder story = new StringBuilder();
        HttpLoad load = null;
        long fromLogs = 0;
        for (int round = 0; round <= kills; round++) {
            DaemonProcess daemon = DaemonProcess.start(all, List.of());
            if (load == null) {
                load = new HttpLoad(daemon.baseUrl(), topic, idempotent ? 4 : 2, 100, idempotent);
            }
            int before = load.acceptedCount();
            HttpLoad running = load;
            await().atMost(Duration.ofSeconds(60)).until(() -> running.acceptedCount() > before + 2_000);
            Thread.sleep(random.nextInt(1_500));
            if (round < kills) {
                daemon.kill();
                story.append("round ").append(round).append(": killed with ").append(load.acceptedCount())
                        .append(" accepted so far; ");
            } else {
                load.close();
                assertThat(daemon.terminate(Duration.ofSeconds(90))).as(daemon.log()).isZero();
            }
            fromLogs += fromLog.applyAsLong(daemon.log());
            daemon.close();
        }
        return new Result(load, fromLogs, story.toString());
    }
}
