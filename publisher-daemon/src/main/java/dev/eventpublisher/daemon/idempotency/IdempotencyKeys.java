package dev.eventpublisher.daemon.idempotency;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.journal.ReplayListener;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Idempotency-Key window: for each key seen in the last {@code window}, the fingerprint of its
 * request and the answer given. Bounded by {@code capacity} (oldest keys leave first, counted). With a
 * journal, every key whose events were accepted is appended to a {@link KeyLog} before its answer
 * leaves, and keys whose events are still in the journal are rebuilt from the replay, so the window
 * survives a crash. Thread-safe: one lock around the map (a key's work is a few map operations).
 */
public final class IdempotencyKeys implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyKeys.class);
    /** Record header carrying the request's Idempotency-Key. */
    public static final String KEY_HEADER = "idempotency-key";
    /** Record header "i/n": the event's index in its request and the request's event count. */
    public static final String EVENT_HEADER = "idempotency-event";

    /** What a request with a key may do. */
    public sealed interface Claim permits Fresh, Replay, InProgress, Reused, Rebuilding {
    }

    /** The key is new: process the request, then call {@link #accepted}/{@link #answered} or {@link #forget}. */
    public record Fresh(Entry entry) implements Claim {
    }

    /** The key was answered: send this answer again. */
    public record Replay(Answer answer) implements Claim {
    }

    /** The key's first request has not been answered yet. */
    public record InProgress() implements Claim {
    }

    /** The key was used for a different request. */
    public record Reused() implements Claim {
    }

    /**
     * The journal is still replaying, so keys from before the restart are still being rebuilt: no key can be
     * told new yet (answer as the refused publish would: 503, retry shortly).
     */
    public record Rebuilding() implements Claim {
    }

    /** One key. {@code fingerprint} is null for a key rebuilt from a journal that no longer held all its events. */
    public static final class Entry {
        final String key;
        final byte[] fingerprint;
        final long createdMillis;
        private Answer answer;

        Entry(String key, byte[] fingerprint, long createdMillis, Answer answer) {
            this.key = key;
            this.fingerprint = fingerprint;
            this.createdMillis = createdMillis;
            this.answer = answer;
        }
    }

    private final long windowMillis;
    private final int capacity;
    private final LongSupplier clock;
    private final KeyLog log;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private volatile BooleanSupplier rebuilding = () -> false;
    private final Counter replays;
    private final Counter conflicts;
    private final Counter evictedEarly;
    private final Counter logErrors;

    /** @param log null: the window lives in memory only (no journal) */
    public IdempotencyKeys(Duration window, int capacity, KeyLog log, LongSupplier clock, MetricRegistry registry) {
        this.windowMillis = window.toMillis();
        this.capacity = capacity;
        this.clock = clock;
        this.log = log;
        this.replays = registry.counter("http.idempotency.replayed");
        this.conflicts = registry.counter("http.idempotency.conflicts");
        this.evictedEarly = registry.counter("http.idempotency.evicted-early");
        this.logErrors = registry.counter("http.idempotency.log-errors");
        registry.gauge("http.idempotency.keys", () -> this::size);
        if (log != null) {
            for (KeyLog.Line line : log.load(clock.getAsLong())) {
                synchronized (this) {
                    entries.remove(line.key()); // a later line (a sync request's final answer) replaces an earlier one
                    entries.put(line.key(), new Entry(line.key(), line.fingerprint(), line.createdMillis(), line.answer()));
                    trim(clock.getAsLong());
                }
            }
            LOG.info("idempotency window: {} key(s) restored from {}", size(), log.dir());
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    /**
     * While {@code replaying} says so, every claim is {@link Rebuilding}. Without this, a retry arriving during
     * the replay could be told "new" just before the replay rebuilds its key, then be accepted just after the
     * replay ends: its events twice in Kafka, the replayed copy and the retry's.
     */
    public void holdWhile(BooleanSupplier replaying) {
        this.rebuilding = replaying;
    }

    public synchronized Claim claim(String key, byte[] fingerprint) {
        // The replay thread rebuilds keys before the journal stops saying "replaying" (a volatile write), so once
        // this reads false, every key of the journal's backlog is in the map.
        if (rebuilding.getAsBoolean()) {
            return new Rebuilding();
        }
        long now = clock.getAsLong();
        trim(now);
        Entry existing = entries.get(key);
        if (existing != null && existing.createdMillis <= now - windowMillis) {
            entries.remove(key); // expired but not yet trimmed (entries rebuilt at start are not in time order)
            existing = null;
        }
        if (existing == null) {
            Entry fresh = new Entry(key, fingerprint, now, null);
            entries.put(key, fresh);
            trim(now);
            return new Fresh(fresh);
        }
        if (existing.fingerprint != null && !java.util.Arrays.equals(existing.fingerprint, fingerprint)) {
            conflicts.inc();
            return new Reused();
        }
        if (existing.answer == null) {
            conflicts.inc();
            return new InProgress();
        }
        replays.inc();
        return new Replay(existing.answer);
    }

    /**
     * The request's events were accepted: from here on the key must survive a crash. A sync request
     * stays in progress until {@link #answered}; after a crash its retry gets {@code interim}.
     */
    public void accepted(Entry entry, Answer interim) {
        write(entry, interim);
    }

    /** The answer the client gets; repeats of the key get it too. */
    public void answered(Entry entry, Answer answer, boolean alreadyLogged) {
        if (!alreadyLogged) {
            write(entry, answer);
        }
        synchronized (this) {
            entry.answer = answer;
        }
    }

    /** Nothing of the request was accepted (refused, invalid): the key is free for a retry. */
    public synchronized void forget(Entry entry) {
        entries.remove(entry.key, entry);
    }

    private void write(Entry entry, Answer answer) {
        if (log == null) {
            return;
        }
        try {
            log.append(entry.key, entry.fingerprint, entry.createdMillis, answer);
        } catch (IOException | RuntimeException e) {
            // The events are accepted whatever happens here; only the key's crash-safety is lost.
            logErrors.inc();
            LOG.warn("cannot write Idempotency-Key {} to {}: {}; a retry after a crash may add its events again",
                    entry.key, log.dir(), e.toString());
        }
    }

    /** Drops expired keys, then the oldest while over capacity. Caller holds the lock. */
    private void trim(long now) {
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            Entry oldest = it.next();
            if (oldest.createdMillis > now - windowMillis && entries.size() <= capacity) {
                return;
            }
            if (oldest.createdMillis > now - windowMillis) {
                evictedEarly.inc();
            }
            it.remove();
        }
    }

    /**
     * Rebuilds keys whose events are still in the journal (accepted before a crash, maybe never logged):
     * the events of one request are consecutive there, each with its "i/n" header.
     */
    public ReplayListener replayListener() {
        Map<String, Fingerprint> partial = new HashMap<>();
        Map<String, Boolean> complete = new HashMap<>();
        return (topic, key, value, headers, journalledMillis) -> {
            String idem = header(headers, KEY_HEADER);
            String event = header(headers, EVENT_HEADER);
            int slash = event == null ? -1 : event.indexOf('/');
            if (idem == null || slash < 0) {
                return;
            }
            int index;
            int count;
            try {
                index = Integer.parseInt(event.substring(0, slash));
                count = Integer.parseInt(event.substring(slash + 1));
            } catch (NumberFormatException e) {
                return;
            }
            synchronized (this) {
                if (entries.containsKey(idem) && entries.get(idem).answer != null) {
                    return; // the key log had it
                }
            }
            if (index == 0) {
                partial.put(idem, new Fingerprint());
                complete.put(idem, true);
            } else if (!partial.containsKey(idem)) {
                partial.put(idem, new Fingerprint());
                complete.put(idem, false); // its first events were already delivered and trimmed away
            }
            partial.get(idem).add(topic, key, value, headers);
            if (index == count - 1) {
                byte[] fingerprint = complete.remove(idem) ? partial.remove(idem).finish() : null;
                partial.remove(idem);
                Answer answer = new Answer(202, ("{\"accepted\":" + count + "}").getBytes(StandardCharsets.UTF_8));
                Entry entry = new Entry(idem, fingerprint, journalledMillis, answer);
                write(entry, answer);
                synchronized (this) {
                    entries.remove(idem);
                    entries.put(idem, entry);
                    trim(clock.getAsLong());
                }
            }
        };
    }

    private static String header(List<Header> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Header h : headers) {
            if (h.key().equals(name) && h.value() != null) {
                return new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (log != null) {
            log.close();
        }
    }
}
