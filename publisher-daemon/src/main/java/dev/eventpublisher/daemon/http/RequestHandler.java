package dev.eventpublisher.daemon.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.BatchStatus;
import dev.eventpublisher.CircuitState;
import dev.eventpublisher.Event;
import dev.eventpublisher.EventSizeLimit;
import dev.eventpublisher.EventTooLargeException;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.PublishFailedException;
import dev.eventpublisher.PublishFuture;
import dev.eventpublisher.PublishRejectedException;
import dev.eventpublisher.PublishResult;
import dev.eventpublisher.Topics;
import dev.eventpublisher.daemon.config.HttpSettings;
import dev.eventpublisher.daemon.http.EventParser.BadRequest;
import dev.eventpublisher.daemon.idempotency.Answer;
import dev.eventpublisher.daemon.idempotency.Fingerprint;
import dev.eventpublisher.daemon.idempotency.IdempotencyKeys;
import dev.eventpublisher.journal.Journal;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes and answers every HTTP request. Runs on Netty's event-loop threads; publishing only claims
 * ring slots (it never waits on Kafka), and {@code ?sync=true} answers from Kafka's callbacks.
 * Every error is JSON {@code {"error": code, "message": text}}; no stack trace ever leaves the process.
 */
@ChannelHandler.Sharable
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);
    private static final String EVENTS = "/v1/events";
    private static final String EVENTS_PREFIX = "/v1/events/";
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** On an answer repeated for an Idempotency-Key (the name Stripe's API uses). */
    static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private final EventPublisher publisher;
    private final HttpSettings settings;
    private final ReadinessProbe readiness;
    private final MetricsRenderer metrics;
    private final HttpServer.Lifecycle lifecycle;
    private final byte[] expectedAuthorization;
    private final Counter[] responsesByClass = new Counter[6];
    private final IdempotencyKeys idempotencyKeys;
    private final TraceContext traceContext;

    RequestHandler(EventPublisher publisher, HttpSettings settings, ReadinessProbe readiness, MetricsRenderer metrics,
                   HttpServer.Lifecycle lifecycle, MetricRegistry registry, IdempotencyKeys idempotencyKeys) {
        this.publisher = publisher;
        this.idempotencyKeys = idempotencyKeys;
        this.traceContext = new TraceContext(registry.counter("http.traceparent.malformed"));
        this.settings = settings;
        this.readiness = readiness;
        this.metrics = metrics;
        this.lifecycle = lifecycle;
        this.expectedAuthorization = ("Bearer " + settings.bearerToken()).getBytes(StandardCharsets.UTF_8);
        for (int i = 1; i <= 5; i++) {
            responsesByClass[i] = registry.counter("http.responses." + i + "xx");
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean malformed = request.decoderResult().isFailure();
        Exchange exchange = Exchange.begin(ctx, HttpUtil.isKeepAlive(request) && !lifecycle.isDraining() && !malformed);
        if (malformed) {
            reply(exchange, Responses.error(400, "bad_request", "malformed HTTP request: "
                    + request.decoderResult().cause().getMessage()));
            return;
        }
        try {
            route(exchange, request);
        } catch (BadRequest e) {
            FullHttpResponse response = Responses.error(e.status, e.code, e.getMessage());
            if (e instanceof MethodNotAllowed notAllowed) {
                response.headers().set(HttpHeaderNames.ALLOW, notAllowed.allowed.name());
            }
            reply(exchange, response);
        } catch (RuntimeException e) {
            LOG.error("unexpected error answering {} {}", request.method(), request.uri(), e);
            reply(exchange, Responses.error(500, "internal_error", "unexpected error; see the daemon's log"));
        }
    }

    private void route(Exchange exchange, FullHttpRequest request) throws BadRequest {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        if (path.equals(EVENTS) || path.startsWith(EVENTS_PREFIX)) {
            requireMethod(method, HttpMethod.POST);
            authorize(request);
            if (lifecycle.isDraining()) {
                throw new BadRequest(503, "shutting_down", "the daemon is shutting down and accepts no more events");
            }
            boolean sync = syncParameter(uri);
            String idempotencyKey = idempotencyKey(request);
            int estimate = path.equals(EVENTS) ? estimatedEvents(request) : 1;
            PublishRejectedException shed = publisher.refusalFor(estimate, request.content().readableBytes());
            if (shed != null) { // refused before parsing: an overload's refusals must not eat the accepted ones' CPU
                reply(exchange, refused(shed, estimate));
                return;
            }
            List<Event> events = path.equals(EVENTS) ? batchBody(request)
                    : List.of(singleEvent(request, uri, path.substring(EVENTS_PREFIX.length())));
            checkAllowedTopics(events);
            publishOnce(exchange, request, events, sync, idempotencyKey);
            return;
        }
        switch (path) {
            case "/v1/batch/status" -> {
                requireMethod(method, HttpMethod.GET);
                authorize(request);
                reply(exchange, Responses.json(HttpResponseStatus.OK, batchStatus()));
            }
            case "/v1/flush" -> {
                requireMethod(method, HttpMethod.POST);
                authorize(request);
                flush(exchange);
            }
            case "/health/live" -> {
                requireMethod(method, HttpMethod.GET);
                reply(exchange, Responses.json(HttpResponseStatus.OK, Map.of("status", "UP")));
            }
            case "/health/ready" -> {
                requireMethod(method, HttpMethod.GET);
                reply(exchange, ready());
            }
            case "/openapi" -> {
                requireMethod(method, HttpMethod.GET);
                reply(exchange, Responses.bytes(HttpResponseStatus.OK, OpenApi.document(), "application/json"));
            }
            case "/metrics" -> {
                requireMethod(method, HttpMethod.GET);
                reply(exchange, Responses.bytes(HttpResponseStatus.OK, metrics.json(), "application/json"));
            }
            case "/metrics/prometheus" -> {
                requireMethod(method, HttpMethod.GET);
                var exposition = metrics.prometheus(request.headers().get(HttpHeaderNames.ACCEPT));
                reply(exchange, Responses.bytes(HttpResponseStatus.OK, exposition.body(), exposition.contentType()));
            }
            default -> throw new BadRequest(404, "not_found", "no such endpoint: " + method + " " + path
                    + " (endpoints: POST /v1/events, POST /v1/events/{topic}, GET /v1/batch/status, POST /v1/flush, "
                    + "GET /health/live, GET /health/ready, GET /metrics, GET /metrics/prometheus, GET /openapi)");
        }
    }

    private Event singleEvent(FullHttpRequest request, QueryStringDecoder uri, String topic) throws BadRequest {
        if (topic.isEmpty() || topic.contains("/")) {
            throw new BadRequest(400, "invalid_topic", "the path must be /v1/events/{topic} with one topic, was "
                    + uri.path());
        }
        try {
            Topics.validate(topic);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, "invalid_topic", e.getMessage());
        }
        ContentTypes.of(request.headers().get(HttpHeaderNames.CONTENT_TYPE), false);
        String key = uri.parameters().containsKey("key") ? uri.parameters().get("key").get(0) : null;
        byte[] value = EventParser.singleValue(ByteBufUtil.getBytes(request.content()));
        return new Event(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, null);
    }

    /**
     * The number of events in a batch body, counted without parsing where that is cheap (one pass over the
     * bytes): NDJSON's non-blank lines, JSON text sequences' record separators; 0 (unknown) for a JSON array or
     * a content type that parsing will refuse anyway.
     */
    private static int estimatedEvents(FullHttpRequest request) {
        ContentTypes format;
        try {
            format = ContentTypes.of(request.headers().get(HttpHeaderNames.CONTENT_TYPE), true);
        } catch (BadRequest e) {
            return 0;
        }
        io.netty.buffer.ByteBuf body = request.content();
        int[] count = {0};
        if (format == ContentTypes.NDJSON) {
            boolean[] blank = {true};
            body.forEachByte(b -> {
                if (b == '\n') {
                    if (!blank[0]) {
                        count[0]++;
                    }
                    blank[0] = true;
                } else if (b != ' ' && b != '\t' && b != '\r') {
                    blank[0] = false;
                }
                return true;
            });
            return blank[0] ? count[0] : count[0] + 1;
        }
        if (format == ContentTypes.JSON_SEQ) {
            body.forEachByte(b -> {
                if (b == 0x1E) {
                    count[0]++;
                }
                return true;
            });
            return count[0];
        }
        return 0;
    }

    private List<Event> batchBody(FullHttpRequest request) throws BadRequest {
        ContentTypes format = ContentTypes.of(request.headers().get(HttpHeaderNames.CONTENT_TYPE), true);
        byte[] body = ByteBufUtil.getBytes(request.content());
        List<Event> events = switch (format) {
            case JSON -> EventParser.jsonArray(body);
            case NDJSON -> EventParser.ndjson(body);
            case JSON_SEQ -> EventParser.jsonSeq(body);
        };
        int ringSize = publisher.settings().ringSize();
        if (events.size() > ringSize) {
            throw new BadRequest(413, "too_many_events", events.size() + " events in one request; at most "
                    + ringSize + " (the ring size) are accepted at once");
        }
        return events;
    }

    private void checkAllowedTopics(List<Event> events) throws BadRequest {
        if (!settings.allowedTopics().isEmpty()) {
            for (int i = 0; i < events.size(); i++) {
                if (!settings.allowedTopics().contains(events.get(i).topic())) {
                    throw new BadRequest(403, "forbidden_topic", "event " + i + ": topic '" + events.get(i).topic()
                            + "' is not in publisher.http.allowed-topics");
                }
            }
        }
    }

    /**
     * With an Idempotency-Key: a repeat gets the first answer, a different request under the same key
     * 422, a repeat while the first is still in progress 409; a new key goes through, and is forgotten
     * again if none of its events was accepted (so the client may retry it).
     */
    private void publishOnce(Exchange exchange, FullHttpRequest request, List<Event> events, boolean sync,
                             String idempotencyKey) {
        IdempotencyKeys.Entry entry = null;
        if (idempotencyKey != null) {
            Fingerprint fingerprint = new Fingerprint();
            for (Event e : events) {
                fingerprint.add(e.topic(), e.key(), e.value(), e.headers());
            }
            IdempotencyKeys.Claim claim = idempotencyKeys.claim(idempotencyKey, fingerprint.finish());
            if (claim instanceof IdempotencyKeys.Replay replay) {
                FullHttpResponse response = Responses.bytes(HttpResponseStatus.valueOf(replay.answer().status()),
                        replay.answer().body(), "application/json");
                response.headers().set(REPLAYED_HEADER, "true");
                reply(exchange, response);
                return;
            }
            if (claim instanceof IdempotencyKeys.InProgress) {
                FullHttpResponse response = Responses.error(409, "idempotency_key_in_progress", "a request with "
                        + "Idempotency-Key " + idempotencyKey + " is still being processed; retry after it is answered");
                response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
                reply(exchange, response);
                return;
            }
            if (claim instanceof IdempotencyKeys.Rebuilding) {
                reply(exchange, refused(new PublishRejectedException(PublishRejectedException.Reason.REPLAYING,
                        "the journal's backlog from before the restart is still being handed to Kafka (and its "
                        + "Idempotency-Keys recovered); retry shortly"), events.size()));
                return;
            }
            if (claim instanceof IdempotencyKeys.Reused) {
                reply(exchange, Responses.error(422, "idempotency_key_reused", "Idempotency-Key " + idempotencyKey
                        + " was used for a different request within publisher.http.idempotency.window; "
                        + "use a new key for new events"));
                return;
            }
            entry = ((IdempotencyKeys.Fresh) claim).entry();
        }
        List<Event> decorated = RequestHeaders.decorate(events, traceContext.headers(request.headers()), idempotencyKey);
        try {
            publish(exchange, decorated, sync, entry);
        } catch (RuntimeException e) {
            if (entry != null) {
                idempotencyKeys.forget(entry);
            }
            throw e;
        }
    }

    private void publish(Exchange exchange, List<Event> events, boolean sync, IdempotencyKeys.Entry entry) {
        FullHttpResponse tooLarge = tooLarge(events);
        if (tooLarge != null) {
            forget(entry);
            reply(exchange, tooLarge);
            return;
        }
        List<CompletableFuture<PublishResult>> futures;
        try {
            futures = publisher.publishAll(events);
        } catch (PublishRejectedException e) {
            forget(entry);
            reply(exchange, refused(e, events.size()));
            return;
        }
        // With the journal, a call is accepted (202) only once all its events are journalled as the fsync
        // policy says; the journal takes or refuses the call whole. Without it, accepted is immediate.
        CompletableFuture<Void> accepted = ((PublishFuture) futures.get(futures.size() - 1)).accepted();
        accepted.whenComplete((ignored, refusal) -> {
            if (refusal != null) {
                forget(entry);
                Throwable cause = refusal instanceof CompletionException ? refusal.getCause() : refusal;
                reply(exchange, cause instanceof PublishRejectedException rejected ? refused(rejected, events.size())
                        : Responses.error(500, "internal_error", "unexpected error; see the daemon's log"));
                return;
            }
            Answer acceptedAnswer = new Answer(202, Responses.utf8("{\"accepted\":" + events.size() + "}"));
            if (entry != null) {
                idempotencyKeys.accepted(entry, acceptedAnswer); // durable before any answer leaves
            }
            if (!sync) {
                if (entry != null) {
                    idempotencyKeys.answered(entry, acceptedAnswer, true);
                }
                reply(exchange, Responses.bytes(HttpResponseStatus.ACCEPTED, acceptedAnswer.body(), "application/json"));
            } else {
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                        .orTimeout(settings.syncTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .whenComplete((done, error) -> {
                            FullHttpResponse response = syncResults(futures);
                            if (entry != null) {
                                idempotencyKeys.answered(entry, new Answer(response.status().code(),
                                        ByteBufUtil.getBytes(response.content())), false);
                            }
                            reply(exchange, response);
                        });
            }
        });
    }

    /**
     * 413 naming the first event larger than Kafka's producer takes (with the headers this request adds), or
     * null. Checked per event, so a batch's one oversized event is named by its index and nothing is accepted.
     */
    private FullHttpResponse tooLarge(List<Event> events) {
        EventSizeLimit limit = publisher.sizeLimit();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            try {
                limit.check(e.topic(), e.key(), e.value(), e.headers());
            } catch (EventTooLargeException tooBig) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("error", "event_too_large");
                body.put("message", "event " + i + ": " + tooBig.getMessage() + "; set it with "
                        + "publisher.kafka.producer.max.request.size (request bodies are limited separately by "
                        + "publisher.http.max-body-bytes = " + settings.maxBodyBytes() + ")");
                body.put("index", i);
                body.put("bytes", tooBig.bytes());
                body.put("limit", tooBig.limit());
                return Responses.json(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, body);
            }
        }
        return null;
    }

    private void forget(IdempotencyKeys.Entry entry) {
        if (entry != null) {
            idempotencyKeys.forget(entry);
        }
    }

    /** The Idempotency-Key header, checked: 1 to 255 printable ASCII characters, one header. */
    private static String idempotencyKey(FullHttpRequest request) throws BadRequest {
        List<String> values = request.headers().getAll(IDEMPOTENCY_KEY);
        if (values.isEmpty()) {
            return null;
        }
        String key = values.get(0).trim();
        boolean valid = values.size() == 1 && !key.isEmpty() && key.length() <= 255;
        for (int i = 0; valid && i < key.length(); i++) {
            valid = key.charAt(i) > 0x20 && key.charAt(i) < 0x7F;
        }
        if (!valid) {
            throw new BadRequest(400, "invalid_idempotency_key", "Idempotency-Key must be one header of 1 to 255 "
                    + "printable ASCII characters without spaces (e.g. a UUID)");
        }
        return key;
    }

    private static FullHttpResponse refused(PublishRejectedException e, int events) {
        FullHttpResponse response = Responses.error(503, refusalCode(e.reason()),
                e.getMessage() + "; none of the " + events + " event(s) was accepted, retry later");
        response.headers().set(HttpHeaderNames.RETRY_AFTER, e.reason() == PublishRejectedException.Reason.JOURNAL_FULL ? "5" : "1");
        return response;
    }

    private FullHttpResponse syncResults(List<CompletableFuture<PublishResult>> futures) {
        List<Map<String, Object>> results = new ArrayList<>(futures.size());
        boolean allOk = true;
        for (CompletableFuture<PublishResult> f : futures) {
            Map<String, Object> r = new LinkedHashMap<>();
            if (!f.isDone()) {
                allOk = false;
                r.put("error", "timeout");
                Throwable lastError = f instanceof PublishFuture pf ? pf.lastError() : null;
                r.put("message", "no answer from Kafka within " + settings.syncTimeout().toMillis()
                        + " ms; the event was accepted and still has its outcome ahead"
                        + (lastError == null ? "" : " (it is journalled and being sent again; last error: "
                        + (lastError instanceof org.apache.kafka.common.KafkaException ? "kafka:" : "")
                        + lastError.getClass().getSimpleName() + ": " + lastError.getMessage() + ")"));
            } else {
                try {
                    PublishResult result = f.join();
                    r.put("topic", result.topic());
                    r.put("partition", result.partition());
                    r.put("offset", result.offset());
                } catch (CompletionException e) {
                    allOk = false;
                    Throwable cause = e.getCause();
                    r.put("error", cause instanceof PublishFailedException failed ? failed.reason() : "internal");
                    r.put("message", cause.getMessage());
                }
            }
            results.add(r);
        }
        return Responses.json(allOk ? HttpResponseStatus.OK : HttpResponseStatus.MULTI_STATUS, Map.of("results", results));
    }

    private void flush(Exchange exchange) {
        publisher.forceFlush()
                .orTimeout(settings.syncTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ignored, error) -> {
                    if (error == null) {
                        reply(exchange, Responses.json(HttpResponseStatus.OK, Map.of("flushed", true)));
                    } else if (error instanceof TimeoutException) {
                        reply(exchange, Responses.error(504, "timeout", "the flush did not complete within "
                                + settings.syncTimeout().toMillis() + " ms"));
                    } else {
                        reply(exchange, Responses.error(500, "internal_error", "flush failed: " + error.getMessage()));
                    }
                });
    }

    private Map<String, Object> batchStatus() {
        BatchStatus s = publisher.batchStatus();
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("pending_batch_messages", s.pendingEvents());
        batch.put("batch_size_configured", s.batchSize());
        batch.put("batch_timeout_ms", s.batchTimeout().toMillis());
        batch.put("max_batch_size", s.maxBatchSize());
        batch.put("has_scheduled_flush", s.hasScheduledFlush() ? 1 : 0);
        return Map.of("batch", batch);
    }

    private FullHttpResponse ready() {
        ReadinessProbe.Status kafka = readiness.status();
        Map<String, Object> body = new LinkedHashMap<>();
        Map<String, Object> kafkaBody = new LinkedHashMap<>();
        kafkaBody.put("reachable", kafka.reachable());
        kafkaBody.put("brokers", kafka.brokers());
        kafkaBody.put("detail", kafka.detail());
        CircuitState circuit = publisher.circuitState();
        Journal journal = publisher.journal();
        String journalProblem = journal == null ? null
                : journal.failure() != null ? "the journal failed (" + journal.failure() + "); restart the daemon"
                : journal.isReplaying() ? "replaying the journal's backlog from before the restart"
                : journal.isFull() ? "the journal is full" : null;
        boolean ready = kafka.reachable() && circuit != CircuitState.OPEN && journalProblem == null
                && !lifecycle.isDraining() && !publisher.isClosed();
        body.put("status", ready ? "READY" : "NOT_READY");
        if (!ready) {
            body.put("error", "not_ready");
            body.put("message", lifecycle.isDraining() ? "shutting down"
                    : journalProblem != null ? journalProblem
                    : !kafka.reachable() ? "Kafka is not reachable: " + kafka.detail()
                    : "the circuit is open: Kafka is not taking events");
        }
        body.put("kafka", kafkaBody);
        body.put("circuit", circuit.name());
        if (journal != null) {
            Map<String, Object> journalBody = new LinkedHashMap<>();
            journalBody.put("state", journal.state());
            journalBody.put("dir", journal.config().dir().toAbsolutePath().toString());
            journalBody.put("fsync", journal.config().fsync().name().toLowerCase(java.util.Locale.ROOT));
            body.put("journal", journalBody);
        }
        return Responses.json(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body);
    }

    private void authorize(FullHttpRequest request) throws BadRequest {
        if (!settings.authEnabled()) {
            return;
        }
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        // Constant-time comparison: the token must not leak through response timing.
        if (header == null || !MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8), expectedAuthorization)) {
            throw new BadRequest(401, "unauthorized", header == null ? "missing Authorization: Bearer <token>"
                    : "invalid bearer token");
        }
    }

    private static void requireMethod(HttpMethod actual, HttpMethod expected) throws BadRequest {
        if (!actual.equals(expected)) {
            throw new MethodNotAllowed(expected, actual);
        }
    }

    private static boolean syncParameter(QueryStringDecoder uri) throws BadRequest {
        List<String> values = uri.parameters().get("sync");
        if (values == null || values.isEmpty()) {
            return false;
        }
        String v = values.get(0);
        if (v.equals("true") || v.equals("1") || v.isEmpty()) {
            return true;
        }
        if (v.equals("false") || v.equals("0")) {
            return false;
        }
        throw new BadRequest(400, "invalid_parameter", "invalid sync=" + v + ": must be true or false");
    }

    private static String refusalCode(PublishRejectedException.Reason reason) {
        return switch (reason) {
            case RING_FULL, BLOCK_TIMEOUT -> "ring_full";
            case DROPPED -> "dropped";
            case CLOSED -> "shutting_down";
            case CIRCUIT_OPEN -> "circuit_open";
            case JOURNAL_FULL -> "journal_full";
            case JOURNAL_FAILED -> "journal_failed";
            case REPLAYING -> "replaying";
            case MEMORY_FULL -> "memory_full";
        };
    }

    private void reply(Exchange exchange, FullHttpResponse response) {
        int status = response.status().code();
        responsesByClass[Math.min(5, Math.max(1, status / 100))].inc();
        exchange.reply(response);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            ctx.close(); // an idle or stalled client must not hold a connection forever
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("connection error from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    /** 405 with the Allow header. */
    private static final class MethodNotAllowed extends BadRequest {
        private static final long serialVersionUID = 1L;
        final HttpMethod allowed;

        MethodNotAllowed(HttpMethod allowed, HttpMethod actual) {
            super(405, "method_not_allowed", actual + " is not allowed here; use " + allowed);
            this.allowed = allowed;
        }
    }
}
