package dev.eventpublisher.daemon.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.codahale.metrics.Counter;
import io.netty.handler.codec.http.HttpHeaders;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * W3C Trace Context: a request's {@code traceparent} (and {@code tracestate}, which only means something
 * next to a valid traceparent) become Kafka headers of the same names on each of its records. A
 * malformed traceparent is counted and left out, never a 400: tracing must not break publishing.
 */
final class TraceContext {
    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";
    /** W3C's limit is 512 characters of list members; a longer value is cut at a member, as it allows. */
    private static final int MAX_TRACESTATE = 512;

    private final Counter malformed;

    TraceContext(Counter malformed) {
        this.malformed = malformed;
    }

    /** The record headers to copy, or null when the request carries no (valid) trace context. */
    List<Header> headers(HttpHeaders request) {
        List<String> parents = request.getAll(TRACEPARENT);
        if (parents.isEmpty()) {
            return null;
        }
        if (parents.size() != 1 || !isValidTraceparent(parents.get(0).trim())) {
            malformed.inc();
            return null;
        }
        List<Header> headers = new ArrayList<>(2);
        headers.add(new RecordHeader(TRACEPARENT, parents.get(0).trim().getBytes(StandardCharsets.US_ASCII)));
        String state = tracestate(request.getAll(TRACESTATE));
        if (state != null) {
            headers.add(new RecordHeader(TRACESTATE, state.getBytes(StandardCharsets.US_ASCII)));
        }
        return List.copyOf(headers);
    }

    /**
     * {@code version-traceid-parentid-flags}, lower-case hex: version ff is invalid, an all-zero trace or
     * parent id is invalid; version 00 is exactly 55 characters, a later version may append fields.
     */
    static boolean isValidTraceparent(String value) {
        if (value.length() < 55 || !isHex(value, 0, 2) || value.charAt(2) != '-' || !isHex(value, 3, 35)
                || value.charAt(35) != '-' || !isHex(value, 36, 52) || value.charAt(52) != '-' || !isHex(value, 53, 55)) {
            return false;
        }
        String version = value.substring(0, 2);
        if (version.equals("ff") || allZero(value, 3, 35) || allZero(value, 36, 52)) {
            return false;
        }
        return version.equals("00") ? value.length() == 55 : value.length() == 55 || value.charAt(55) == '-';
    }

    /** Several tracestate headers are one comma-joined list; printable ASCII only; cut at a member past 512. */
    private static String tracestate(List<String> values) {
        if (values.isEmpty()) {
            return null;
        }
        StringBuilder joined = new StringBuilder();
        for (String value : values) {
            for (String member : value.split(",")) {
                String m = member.trim();
                if (m.isEmpty()) {
                    continue;
                }
                for (int i = 0; i < m.length(); i++) {
                    if (m.charAt(i) < 0x20 || m.charAt(i) > 0x7E) {
                        return null; // not a valid list: drop it whole, as the spec says
                    }
                }
                if (joined.length() + m.length() + 1 > MAX_TRACESTATE) {
                    return joined.length() == 0 ? null : joined.toString();
                }
                joined.append(joined.length() == 0 ? "" : ",").append(m);
            }
        }
        return joined.length() == 0 ? null : joined.toString();
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
