package dev.eventpublisher.daemon.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * NDJSON load over keep-alive connections that keeps going through a daemon's death: every event has a
 * unique id ({@code c<client>-<n>}), ids answered 202 are remembered, a refused or failed request is
 * retried later with new ids. Values are {@code {"id":"…"}}, keys {@code c<client>}.
 *
 * <p>With {@code idempotent}, each request carries an {@code Idempotency-Key} and a refused or failed request
 * is sent again, same body, same key, until it is answered: what a careful client does when the daemon dies
 * before it could read the 202.
 */
public final class HttpLoad implements AutoCloseable {
    private final String url;
    private final String topic;
    private final int eventsPerRequest;
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final Set<String> sent = ConcurrentHashMap.newKeySet();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final LongAdder connectionErrors = new LongAdder();
    private final LongAdder replayed = new LongAdder();
    private final boolean idempotent;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> clients = new ArrayList<>();

    public HttpLoad(String baseUrl, String topic, int clients, int eventsPerRequest) {
        this(baseUrl, topic, clients, eventsPerRequest, false);
    }

    public HttpLoad(String baseUrl, String topic, int clients, int eventsPerRequest, boolean idempotent) {
        this.idempotent = idempotent;
        this.url = baseUrl + "/v1/events";
        this.topic = topic;
        this.eventsPerRequest = eventsPerRequest;
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread thread = new Thread(() -> run(client), "http-load-" + c);
            thread.setDaemon(true);
            this.clients.add(thread);
        }
        this.clients.forEach(Thread::start);
    }

    private void run(int client) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        AtomicInteger next = new AtomicInteger();
        int request = 0;
        while (!stop.get()) {
            StringBuilder body = new StringBuilder();
            List<String> ids = new ArrayList<>(eventsPerRequest);
            for (int e = 0; e < eventsPerRequest; e++) {
                String id = "c" + client + "-" + next.getAndIncrement();
                ids.add(id);
                body.append("{\"topic\":\"").append(topic).append("\",\"key\":\"c").append(client)
                        .append("\",\"value\":{\"id\":\"").append(id).append("\"}}\n");
            }
            sent.addAll(ids);
            String key = "c" + client + "-request-" + request++;
            boolean answered = false;
            while (!answered && !stop.get()) {
                answered = send(http, body.toString(), ids, key) || !idempotent;
            }
        }
    }

    /** One attempt; true once the request is answered 202 (or answered at all with a client error). */
    private boolean send(HttpClient http, String body, List<String> ids, String key) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/x-ndjson").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (idempotent) {
                request.header("Idempotency-Key", key);
            }
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            statuses.computeIfAbsent(r.statusCode(), s -> new LongAdder()).increment();
            if (r.statusCode() == 202) {
                accepted.addAll(ids);
                if (r.headers().firstValue("Idempotent-Replayed").isPresent()) {
                    replayed.increment();
                }
                return true;
            }
            pause(50);
            return r.statusCode() >= 400 && r.statusCode() < 500 && r.statusCode() != 409;
        } catch (java.io.IOException down) {
            connectionErrors.increment();
            pause(100);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.set(true);
            return false;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ids the daemon answered 202, so far. */
    public int acceptedCount() {
        return accepted.size();
    }

    public Set<String> accepted() {
        return accepted;
    }

    /** How many answers of each HTTP status the clients got. */
    public Map<Integer, Long> statuses() {
        Map<Integer, Long> s = new HashMap<>();
        statuses.forEach((k, v) -> s.put(k, v.sum()));
        return s;
    }

    /** Requests answered 202 with {@code Idempotent-Replayed}: a retry the daemon recognised. */
    public long replayedAnswers() {
        return replayed.sum();
    }

    public Set<String> sent() {
        return sent;
    }

    public String summary() {
        Map<Integer, Long> s = new HashMap<>();
        statuses.forEach((k, v) -> s.put(k, v.sum()));
        return "accepted=" + accepted.size() + " statuses=" + s + " connectionErrors=" + connectionErrors.sum()
                + (idempotent ? " replayedAnswers=" + replayed.sum() : "");
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread client : clients) {
            client.join(60_000);
        }
    }

    /** The id in a record written by this load. */
    public static String idOf(ConsumerRecord<byte[], byte[]> record) {
        String value = new String(record.value(), StandardCharsets.UTF_8);
        return value.substring("{\"id\":\"".length(), value.length() - 2);
    }

    /** How many times each id is in {@code records}. */
    public static Map<String, Integer> countIds(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            counts.merge(idOf(r), 1, Integer::sum);
        }
        return counts;
    }

    /** Ids stored more than once, each with where its copies are ({@code id at topic/partition@offset, ...}). */
    public static List<String> duplicated(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<String>> where = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            where.computeIfAbsent(idOf(r), id -> new ArrayList<>()).add(r.partition() + "@" + r.offset());
        }
        return where.entrySet().stream().filter(e -> e.getValue().size() > 1).map(e -> e.getKey() + " at " + e.getValue())
                .sorted().toList();
    }

    /**
     * Where a client's events are out of order: each client sends its ids with growing numbers under its own key
     * (one partition), so in the partition's order the numbers must only grow. Returns the violations found.
     */
    public static List<String> outOfOrder(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Long> last = new HashMap<>();
        List<String> violations = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String id = idOf(r);
            String client = id.substring(0, id.indexOf('-'));
            long n = Long.parseLong(id.substring(id.indexOf('-') + 1));
            Long before = last.put(client, n);
            if (before != null && before >= n) {
                violations.add(id + " after " + client + "-" + before + " at " + r.topic() + "/" + r.partition() + "@" + r.offset());
            }
        }
        return violations;
    }
}
