package dev.eventpublisher.daemon.http;

import java.util.Locale;

import dev.eventpublisher.daemon.http.EventParser.BadRequest;

/**
 * The request body formats and the {@code Content-Type} values that name them. Parameters other than
 * {@code charset} are ignored; the charset, when given, must be UTF-8 (any case, quoted or not).
 */
enum ContentTypes {
    /** One JSON value ({@code /v1/events/{topic}}) or a JSON array of events ({@code /v1/events}). */
    JSON,
    /** One event object per line; blank lines skipped. */
    NDJSON,
    /** RFC 7464 JSON text sequences: each event preceded by the record separator 0x1E and ended by a newline. */
    JSON_SEQ;

    static final String BATCH_TYPES = "application/json (an array of events), application/x-ndjson "
            + "(also application/ndjson, application/jsonl, application/x-jsonlines, application/jsonlines) or "
            + "application/json-seq";

    /** The format of a body; {@code header} may be null (JSON for a single event, an error for a batch). */
    static ContentTypes of(String header, boolean batch) throws BadRequest {
        if (header == null || header.isBlank()) {
            if (batch) {
                throw unsupported("Content-Type is required; use " + BATCH_TYPES);
            }
            return JSON;
        }
        String[] parts = header.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim();
            int eq = parameter.indexOf('=');
            if (eq > 0 && parameter.substring(0, eq).trim().equalsIgnoreCase("charset")) {
                String charset = unquote(parameter.substring(eq + 1).trim());
                if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
                    throw unsupported("charset " + charset + " is not supported; send UTF-8 (or leave the charset out)");
                }
            }
        }
        ContentTypes format = switch (type) {
            case "application/json" -> JSON;
            case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
                 "application/jsonlines" -> NDJSON;
            case "application/json-seq" -> JSON_SEQ;
            default -> null;
        };
        if (format == null || (!batch && format != JSON)) {
            throw unsupported("Content-Type " + header + " is not supported here; use "
                    + (batch ? BATCH_TYPES : "application/json (one JSON value), or send no Content-Type"));
        }
        return format;
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
    }

    private static BadRequest unsupported(String message) {
        return new BadRequest(415, "unsupported_media_type", message);
    }
}
