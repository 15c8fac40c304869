package dev.eventpublisher.daemon.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.eventpublisher.Event;
import dev.eventpublisher.Topics;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Turns request bodies into events with Jackson's streaming API. A record's value is the compact UTF-8
 * JSON text of the given value: the client's bytes without the whitespace between tokens.
 * Every problem is a {@link BadRequest} saying where it broke (line and column, or NDJSON line, and
 * the event's index). Thread-safe: the factory is shared, parsers are per call.
 */
final class EventParser {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
            .build();

    /** A client error: the HTTP status, a machine-readable code and a message for humans. */
    static class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        BadRequest(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }

        static BadRequest invalidJson(String message) {
            return new BadRequest(400, "invalid_json", message);
        }

        static BadRequest invalidEvent(String message) {
            return new BadRequest(400, "invalid_event", message);
        }
    }

    private EventParser() {
    }

    /** The body of {@code POST /v1/events/{topic}}: one JSON value, kept as compact JSON text. */
    static byte[] singleValue(byte[] body) throws BadRequest {
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() == null) {
                throw BadRequest.invalidJson("the body is empty: send one JSON value");
            }
            byte[] value = compactValue(parser, body);
            if (parser.nextToken() != null) {
                throw BadRequest.invalidJson("unexpected data after the JSON value at " + where(parser.currentTokenLocation())
                        + "; to send several events use POST /v1/events");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw BadRequest.invalidJson("malformed JSON at " + where(e.getLocation()) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw BadRequest.invalidJson("unreadable body: " + e.getMessage());
        }
    }

    /** {@code application/json}: an array of event objects. */
    static List<Event> jsonArray(byte[] body) throws BadRequest {
        List<Event> events = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_ARRAY) {
                throw BadRequest.invalidJson(first == null ? "the body is empty: send a JSON array of events"
                        : "expected a JSON array of events at " + where(parser.currentTokenLocation()) + ", found "
                        + describe(first));
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                events.add(event(parser, body, new Where(false, parser.currentTokenLocation().getLineNr(), events.size()),
                        events.isEmpty() ? null : events.get(events.size() - 1).topic()));
            }
            if (parser.nextToken() != null) {
                throw BadRequest.invalidJson("unexpected data after the array at " + where(parser.currentTokenLocation()));
            }
            if (events.isEmpty()) {
                throw BadRequest.invalidJson("the array holds no events: send at least one");
            }
            return events;
        } catch (JsonProcessingException e) {
            throw BadRequest.invalidJson("malformed JSON at " + where(e.getLocation()) + " (event " + events.size()
                    + "): " + e.getOriginalMessage());
        } catch (IOException e) {
            throw BadRequest.invalidJson("unreadable body: " + e.getMessage());
        }
    }

    /**
     * {@code application/x-ndjson}: one event object per line; blank lines are skipped. One parser reads
     * the whole body (newlines are whitespace between root values); a second value on a line is refused.
     */
    static List<Event> ndjson(byte[] body) throws BadRequest {
        List<Event> events = new ArrayList<>();
        int lastLine = 0;
        boolean inEvent = false;
        try (JsonParser parser = JSON.createParser(body)) {
            while (parser.nextToken() != null) {
                int line = parser.currentTokenLocation().getLineNr();
                if (line == lastLine) {
                    throw BadRequest.invalidJson("line " + line + ": one JSON object per line expected, found more");
                }
                lastLine = line;
                inEvent = true;
                events.add(event(parser, body, new Where(true, line, events.size()),
                        events.isEmpty() ? null : events.get(events.size() - 1).topic()));
                inEvent = false;
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            // Name the line the broken event starts on; the parser may only notice further down.
            int line = inEvent ? lastLine : at == null ? -1 : at.getLineNr();
            throw BadRequest.invalidJson("malformed JSON on line " + line + " (event " + events.size() + ")"
                    + (at == null ? "" : ", noticed at line " + at.getLineNr() + " column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw BadRequest.invalidJson("unreadable body: " + e.getMessage());
        }
        if (events.isEmpty()) {
            throw BadRequest.invalidJson("the body holds no events: send one JSON object per line");
        }
        return events;
    }

    /**
     * {@code application/json-seq} (RFC 7464): like NDJSON with a record separator (0x1E) opening each
     * line. The separators become spaces (same length, so every reported position stays true).
     */
    static List<Event> jsonSeq(byte[] body) throws BadRequest {
        byte[] text = body;
        for (int i = 0; i < body.length; i++) {
            if (body[i] == 0x1E && (i == 0 || body[i - 1] == '\n')) {
                if (text == body) {
                    text = body.clone();
                }
                text[i] = ' ';
            }
        }
        return ndjson(text);
    }

    /** Where an event is, for messages; built into text only when something is wrong. */
    private record Where(boolean ndjson, int line, int index) {
        @Override
        public String toString() {
            return ndjson ? "line " + line + " (event " + index + ")" : "event " + index + " (at line " + line + ")";
        }
    }

    /** Reads one {"topic","key","value","headers"} object; the parser is on its START_OBJECT. */
    private static Event event(JsonParser parser, byte[] body, Where where, String previousTopic)
            throws IOException, BadRequest {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw BadRequest.invalidEvent(where + ": an event must be a JSON object, found "
                    + describe(parser.currentToken()));
        }
        String topic = null;
        byte[] key = null;
        byte[] value = null;
        boolean hasValue = false;
        List<Header> headers = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken token = parser.nextToken();
            switch (field) {
                case "topic" -> {
                    if (token != JsonToken.VALUE_STRING) {
                        throw BadRequest.invalidEvent(where + ": \"topic\" must be a string, found " + describe(token));
                    }
                    topic = sameTopic(parser, previousTopic);
                }
                case "key" -> {
                    if (token == JsonToken.VALUE_STRING) {
                        key = stringBytes(parser, body);
                    } else if (token != JsonToken.VALUE_NULL) {
                        throw BadRequest.invalidEvent(where + ": \"key\" must be a string or null, found " + describe(token));
                    }
                }
                case "value" -> {
                    value = compactValue(parser, body);
                    hasValue = true;
                }
                case "headers" -> headers = headers(parser, where);
                default -> throw BadRequest.invalidEvent(where + ": unknown field \"" + field
                        + "\" (an event has topic, key, value, headers)");
            }
        }
        if (topic == null) {
            throw BadRequest.invalidEvent(where + ": \"topic\" is required");
        }
        try {
            Topics.validate(topic);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, "invalid_topic", where + ": " + e.getMessage());
        }
        if (!hasValue) {
            throw BadRequest.invalidEvent(where + ": \"value\" is required (any JSON value)");
        }
        return new Event(topic, key, value, headers);
    }

    private static List<Header> headers(JsonParser parser, Where where) throws IOException, BadRequest {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw BadRequest.invalidEvent(where + ": \"headers\" must be an object of strings, found "
                    + describe(parser.currentToken()));
        }
        List<Header> headers = new ArrayList<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken token = parser.nextToken();
            if (token != JsonToken.VALUE_STRING) {
                throw BadRequest.invalidEvent(where + ": header \"" + name + "\" must be a string, found " + describe(token));
            }
            headers.add(new RecordHeader(name, parser.getText().getBytes(StandardCharsets.UTF_8)));
        }
        return headers;
    }

    /**
     * The current string, reusing {@code previous} when it is the same text: consecutive events of one
     * topic then share one String, which the publisher's and batcher's identity checks recognise.
     */
    private static String sameTopic(JsonParser parser, String previous) throws IOException {
        if (previous != null && parser.getTextLength() == previous.length()) {
            char[] chars = parser.getTextCharacters();
            int offset = parser.getTextOffset();
            boolean same = true;
            for (int i = 0; i < previous.length() && same; i++) {
                same = chars[offset + i] == previous.charAt(i);
            }
            if (same) {
                return previous;
            }
        }
        return parser.getText();
    }

    /**
     * The current string's UTF-8 bytes: taken straight from the body when the string has no escapes
     * (the parser has decoded, hence validated, it), else re-encoded from the decoded text.
     */
    private static byte[] stringBytes(JsonParser parser, byte[] body) throws IOException {
        int start = (int) parser.currentTokenLocation().getByteOffset() + 1;
        parser.finishToken();
        int end = (int) parser.currentLocation().getByteOffset() - 1;
        for (int i = start; i < end; i++) {
            if (body[i] == '\\') {
                return parser.getText().getBytes(StandardCharsets.UTF_8);
            }
        }
        return java.util.Arrays.copyOfRange(body, start, end);
    }

    /**
     * The current value (scalar or structure) as compact JSON text: the client's own bytes for it, with
     * the whitespace between tokens removed and nothing else rewritten (numbers and escapes stay as
     * sent). Every token is read, and every string decoded, so the value is validated JSON and UTF-8.
     */
    private static byte[] compactValue(JsonParser parser, byte[] body) throws IOException {
        JsonToken token = parser.currentToken();
        int start = (int) parser.currentTokenLocation().getByteOffset();
        if (token.isStructStart()) {
            int depth = 1;
            while (depth > 0) {
                JsonToken next = parser.nextToken();
                if (next == null) {
                    break; // the parser reports the unexpected end on the next read
                }
                if (next.isStructStart()) {
                    depth++;
                } else if (next.isStructEnd()) {
                    depth--;
                } else if (next == JsonToken.VALUE_STRING) {
                    parser.finishToken();
                }
            }
        } else if (token == JsonToken.VALUE_STRING) {
            parser.finishToken();
        }
        int end = (int) parser.currentLocation().getByteOffset();
        return withoutWhitespace(body, start, end);
    }

    /** Copies {@code body[start, end)} leaving out whitespace outside strings. */
    static byte[] withoutWhitespace(byte[] body, int start, int end) {
        byte[] out = new byte[end - start];
        int n = 0;
        boolean inString = false;
        boolean escaped = false;
        for (int i = start; i < end; i++) {
            byte b = body[i];
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
                continue;
            }
            out[n++] = b;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    private static boolean isBlank(byte[] body, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static String where(JsonLocation location) {
        return location == null ? "unknown position" : "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "the end of the input";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }
}
