package dev.eventpublisher.daemon.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.eventpublisher.Event;
import dev.eventpublisher.daemon.idempotency.IdempotencyKeys;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Adds the record headers a request carries for all its events: trace context (an event's own header
 * of the same name wins) and the Idempotency-Key with the event's "index/count" (these replace an
 * event's own, since consumers and the daemon's restart both rely on them).
 */
final class RequestHeaders {
    private RequestHeaders() {
    }

    static List<Event> decorate(List<Event> events, List<Header> trace, String idempotencyKey) {
        if (trace == null && idempotencyKey == null) {
            return events;
        }
        byte[] keyBytes = idempotencyKey == null ? null : idempotencyKey.getBytes(StandardCharsets.UTF_8);
        List<Event> out = new ArrayList<>(events.size());
        int n = events.size();
        for (int i = 0; i < n; i++) {
            Event e = events.get(i);
            List<Header> headers = new ArrayList<>();
            if (e.headers() != null) {
                for (Header h : e.headers()) {
                    if (keyBytes == null || !(h.key().equals(IdempotencyKeys.KEY_HEADER)
                            || h.key().equals(IdempotencyKeys.EVENT_HEADER))) {
                        headers.add(h);
                    }
                }
            }
            if (trace != null) {
                for (Header t : trace) {
                    if (!hasHeader(e.headers(), t.key())) {
                        headers.add(t);
                    }
                }
            }
            if (keyBytes != null) {
                headers.add(new RecordHeader(IdempotencyKeys.KEY_HEADER, keyBytes));
                headers.add(new RecordHeader(IdempotencyKeys.EVENT_HEADER,
                        (i + "/" + n).getBytes(StandardCharsets.US_ASCII)));
            }
            out.add(new Event(e.topic(), e.key(), e.value(), headers));
        }
        return out;
    }

    private static boolean hasHeader(Iterable<Header> headers, String name) {
        if (headers != null) {
            for (Header h : headers) {
                if (h.key().equals(name)) {
                    return true;
                }
            }
        }
        return false;
    }
}
