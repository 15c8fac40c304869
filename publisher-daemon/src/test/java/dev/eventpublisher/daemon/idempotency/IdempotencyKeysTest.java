package dev.eventpublisher.daemon.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.journal.ReplayListener;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The window's rules on a manual clock: claims, expiry, capacity, the key log and the rebuild from a replay. */
class IdempotencyKeysTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final MetricRegistry registry = new MetricRegistry();
    private static final Answer OK = new Answer(202, "{\"accepted\":1}".getBytes(StandardCharsets.UTF_8));

    private static byte[] fingerprint(String value) {
        return new Fingerprint().add("t", null, value.getBytes(StandardCharsets.UTF_8), null).finish();
    }

    private IdempotencyKeys keys(Duration window, int capacity, KeyLog log) {
        return new IdempotencyKeys(window, capacity, log, now::get, registry);
    }

    @Test
    void shouldReplayConflictAndForget() {
        IdempotencyKeys keys = keys(Duration.ofMinutes(10), 100, null);
        IdempotencyKeys.Claim first = keys.claim("k", fingerprint("a"));
        assertThat(first).isInstanceOf(IdempotencyKeys.Fresh.class);
        assertThat(keys.claim("k", fingerprint("a"))).isInstanceOf(IdempotencyKeys.InProgress.class);
        assertThat(keys.claim("k", fingerprint("b"))).isInstanceOf(IdempotencyKeys.Reused.class);
        keys.answered(((IdempotencyKeys.Fresh) first).entry(), OK, false);
        assertThat(keys.claim("k", fingerprint("a"))).isEqualTo(new IdempotencyKeys.Replay(OK));

        IdempotencyKeys.Claim refused = keys.claim("r", fingerprint("a"));
        keys.forget(((IdempotencyKeys.Fresh) refused).entry());
        assertThat(keys.claim("r", fingerprint("a"))).as("nothing accepted: free again").isInstanceOf(IdempotencyKeys.Fresh.class);
    }

    @Test
    void shouldForgetAfterTheWindowAndKeepAtMostCapacity() {
        IdempotencyKeys keys = keys(Duration.ofSeconds(10), 3, null);
        for (String k : List.of("a", "b", "c", "d")) {
            keys.answered(((IdempotencyKeys.Fresh) keys.claim(k, fingerprint(k))).entry(), OK, false);
            now.addAndGet(1_000);
        }
        assertThat(keys.size()).isEqualTo(3);
        assertThat(registry.counter("http.idempotency.evicted-early").getCount()).isEqualTo(1);
        assertThat(keys.claim("a", fingerprint("a"))).as("the oldest left first").isInstanceOf(IdempotencyKeys.Fresh.class);
        assertThat(keys.claim("d", fingerprint("d"))).isInstanceOf(IdempotencyKeys.Replay.class);
        now.addAndGet(10_000);
        assertThat(keys.claim("d", fingerprint("d"))).as("expired").isInstanceOf(IdempotencyKeys.Fresh.class);
    }

    @Test
    void shouldRestoreKeysFromTheLogSkippingATornLastLine(@TempDir Path dir) throws Exception {
        KeyLog log = new KeyLog(dir, Duration.ofMinutes(10), true, now::get);
        IdempotencyKeys keys = keys(Duration.ofMinutes(10), 100, log);
        IdempotencyKeys.Entry entry = ((IdempotencyKeys.Fresh) keys.claim("k", fingerprint("a"))).entry();
        keys.accepted(entry, OK);
        keys.answered(entry, OK, true);
        keys.close();
        try (var files = Files.list(dir)) {
            Path file = files.findFirst().orElseThrow();
            Files.writeString(file, "{\"k\":\"torn\",\"f\":nu", java.nio.file.StandardOpenOption.APPEND);
        }
        IdempotencyKeys restored = keys(Duration.ofMinutes(10), 100, new KeyLog(dir, Duration.ofMinutes(10), true, now::get));
        assertThat(restored.claim("k", fingerprint("a"))).isEqualTo(new IdempotencyKeys.Replay(OK));
        assertThat(restored.claim("k", fingerprint("b"))).isInstanceOf(IdempotencyKeys.Reused.class);
        assertThat(restored.claim("torn", fingerprint("a"))).isInstanceOf(IdempotencyKeys.Fresh.class);
    }

    @Test
    void shouldRebuildKeysFromTheReplayedJournal() {
        IdempotencyKeys keys = keys(Duration.ofMinutes(10), 100, null);
        ReplayListener replay = keys.replayListener();
        byte[] whole = new Fingerprint().add("t", null, bytes("v0"), null).add("t", null, bytes("v1"), null).finish();
        replay.replayed("t", null, bytes("v0"), headers("whole", "0/2"), now.get());
        replay.replayed("t", null, bytes("v1"), headers("whole", "1/2"), now.get());
        // Its first event was delivered and trimmed away before the crash: the fingerprint is unknown.
        replay.replayed("t", null, bytes("w2"), headers("tail", "2/3"), now.get());
        replay.replayed("t", null, bytes("plain"), List.of(), now.get());

        IdempotencyKeys.Claim again = keys.claim("whole", whole);
        assertThat(again).isInstanceOf(IdempotencyKeys.Replay.class);
        assertThat(new String(((IdempotencyKeys.Replay) again).answer().body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"accepted\":2}");
        assertThat(keys.claim("whole", fingerprint("other"))).isInstanceOf(IdempotencyKeys.Reused.class);
        assertThat(keys.claim("tail", fingerprint("anything"))).as("unknown fingerprint: a repeat")
                .isInstanceOf(IdempotencyKeys.Replay.class);
        assertThat(keys.size()).isEqualTo(2);
    }

    /**
     * A retry that arrives while the journal replays must not be told "new": the replay may rebuild its key a
     * moment later, and the retry would then be accepted as well (found by the SIGKILL loop: one request twice
     * in one transaction, the replayed copy and the retry's).
     */
    @Test
    void shouldRefuseEveryClaimUntilTheReplayHasRebuiltTheKeys() {
        IdempotencyKeys keys = keys(Duration.ofMinutes(10), 100, null);
        java.util.concurrent.atomic.AtomicBoolean replaying = new java.util.concurrent.atomic.AtomicBoolean(true);
        keys.holdWhile(replaying::get);
        byte[] body = new Fingerprint().add("t", null, bytes("v0"), null).finish();
        assertThat(keys.claim("lost-answer", body)).isInstanceOf(IdempotencyKeys.Rebuilding.class);
        assertThat(keys.claim("brand-new", fingerprint("x"))).isInstanceOf(IdempotencyKeys.Rebuilding.class);
        assertThat(keys.size()).as("a refused claim leaves nothing behind").isZero();

        keys.replayListener().replayed("t", null, bytes("v0"), headers("lost-answer", "0/1"), now.get());
        replaying.set(false);
        assertThat(keys.claim("lost-answer", body)).isInstanceOf(IdempotencyKeys.Replay.class);
        assertThat(keys.claim("brand-new", fingerprint("x"))).isInstanceOf(IdempotencyKeys.Fresh.class);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Header> headers(String key, String event) {
        return List.of(new RecordHeader("traceparent", bytes("00-ignored")), new RecordHeader("idempotency-key", bytes(key)),
                new RecordHeader("idempotency-event", bytes(event)));
    }
}
