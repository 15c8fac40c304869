package dev.eventpublisher.daemon.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.eventpublisher.Event;
import dev.eventpublisher.Topics;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Turns request bodies into events with Jackson's streaming API. A record's value is the compact UTF-8
 * JSON text of the given value; nothing is reformatted beyond removing insignificant whitespace.
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
            byte[] value = copyValue(parser);
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
                events.add(event(parser, "event " + events.size() + " (at " + where(parser.currentTokenLocation()) + ")"));
            }
            if (parser.nextToken() != null) {
                throw BadRequest.invalidJson("unexpected data after the array at " + where(parser.currentTokenLocation()));
            }
            return events;
        } catch (JsonProcessingException e) {
            throw BadRequest.invalidJson("malformed JSON at " + where(e.getLocation()) + " (event " + events.size()
                    + "): " + e.getOriginalMessage());
        } catch (IOException e) {
            throw BadRequest.invalidJson("unreadable body: " + e.getMessage());
        }
    }

    /** {@code application/x-ndjson}: one event object per line; blank lines are skipped. */
    static List<Event> ndjson(byte[] body) throws BadRequest {
        List<Event> events = new ArrayList<>();
        int line = 0;
        int start = 0;
        while (start < body.length) {
            int end = start;
            while (end < body.length && body[end] != '\n') {
                end++;
            }
            line++;
            int stop = end > start && body[end - 1] == '\r' ? end - 1 : end;
            if (!isBlank(body, start, stop)) {
                String where = "line " + line + " (event " + events.size() + ")";
                try (JsonParser parser = JSON.createParser(body, start, stop - start)) {
                    parser.nextToken();
                    events.add(event(parser, where));
                    if (parser.nextToken() != null) {
                        throw BadRequest.invalidJson(where + ": one JSON object per line expected, found more");
                    }
                } catch (JsonProcessingException e) {
                    JsonLocation at = e.getLocation();
                    throw BadRequest.invalidJson("malformed JSON on " + where
                            + (at == null ? "" : " at column " + at.getColumnNr()) + ": " + e.getOriginalMessage());
                } catch (IOException e) {
                    throw BadRequest.invalidJson("unreadable body: " + e.getMessage());
                }
            }
            start = end + 1;
        }
        if (events.isEmpty()) {
            throw BadRequest.invalidJson("the body holds no events: send one JSON object per line");
        }
        return events;
    }

    /** Reads one {"topic","key","value","headers"} object; the parser is on its START_OBJECT. */
    private static Event event(JsonParser parser, String where) throws IOException, BadRequest {
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
                    topic = parser.getText();
                }
                case "key" -> {
                    if (token == JsonToken.VALUE_STRING) {
                        key = parser.getText().getBytes(StandardCharsets.UTF_8);
                    } else if (token != JsonToken.VALUE_NULL) {
                        throw BadRequest.invalidEvent(where + ": \"key\" must be a string or null, found " + describe(token));
                    }
                }
                case "value" -> {
                    value = copyValue(parser);
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

    private static List<Header> headers(JsonParser parser, String where) throws IOException, BadRequest {
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

    /** Copies the current value (scalar or structure) as compact JSON text. */
    private static byte[] copyValue(JsonParser parser) throws IOException {
        try (ByteArrayBuilder out = new ByteArrayBuilder(128);
             JsonGenerator generator = JSON.createGenerator(out)) {
            generator.copyCurrentStructure(parser);
            generator.flush();
            return out.toByteArray();
        }
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
