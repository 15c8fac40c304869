package dev.eventpublisher.daemon.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The daemon's OpenAPI 3.1 document ({@code openapi.json}, the file {@code GET /openapi} serves) as a
 * contract every live exchange is checked against, so the document cannot drift from the server:
 * <ul>
 *   <li>the request is matched to an operation (path template and method); a path outside the document
 *       must be answered like {@code x-unlisted-responses.unknownPath} (404), another method like
 *       {@code otherMethod} (405 with {@code Allow});</li>
 *   <li>the request is checked (declared query and header parameters, Content-Type among the request body's
 *       media types, the body against its schema: JSON, or each NDJSON / JSON-seq line against {@code Event});
 *       a request the document calls invalid must get a 4xx the operation documents;</li>
 *   <li>the response status must be documented for the operation, its Content-Type listed, its body valid
 *       against the schema (JSON Schema 2020-12, OpenAPI 3.1's dialect) and its required headers present
 *       and valid.</li>
 * </ul>
 * Swagger's request validator only reads OpenAPI 3.0, hence this small matcher around a full JSON Schema
 * validator (networknt). Thread-safe.
 */
public final class OpenApiContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final OpenApiContract INSTANCE = new OpenApiContract(load());

    private final JsonNode document;
    private final Map<String, JsonSchema> compiled = new ConcurrentHashMap<>();
    private final Set<String> seen = java.util.Collections.synchronizedSet(new TreeSet<>());

    /** One exchange as the client saw it. */
    public record Exchange(String method, String pathAndQuery, Map<String, List<String>> requestHeaders, byte[] requestBody,
                           int status, Map<String, List<String>> responseHeaders, byte[] responseBody) {
    }

    private OpenApiContract(JsonNode document) {
        this.document = document;
    }

    public static OpenApiContract get() {
        return INSTANCE;
    }

    public JsonNode document() {
        return document;
    }

    /** "METHOD path-template status" of every exchange checked so far. */
    public Set<String> seen() {
        synchronized (seen) {
            return new TreeSet<>(seen);
        }
    }

    private static JsonNode load() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream("/openapi.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The problems found; empty when the exchange keeps the contract. */
    public List<String> violations(Exchange x) {
        List<String> problems = new ArrayList<>();
        URI uri = URI.create(x.pathAndQuery());
        String path = uri.getRawPath();
        String template = matchPath(path);
        if (template == null) {
            seen.add(x.method() + " <unlisted path> " + x.status());
            checkResponse(document.at("/x-unlisted-responses/unknownPath"), 404, x, problems);
            return problems;
        }
        JsonNode operation = document.get("paths").get(template).get(x.method().toLowerCase(Locale.ROOT));
        if (operation == null) {
            seen.add(x.method() + " " + template + " <other method> " + x.status());
            checkResponse(document.at("/x-unlisted-responses/otherMethod"), 405, x, problems);
            return problems;
        }
        seen.add(x.method() + " " + template + " " + x.status());
        List<String> requestProblems = new ArrayList<>();
        checkRequest(operation, uri, x, requestProblems);
        JsonNode response = operation.get("responses").get(Integer.toString(x.status()));
        if (response == null) {
            problems.add("status " + x.status() + " is not documented for " + x.method() + " " + template
                    + " (documented: " + fieldNames(operation.get("responses")) + ")");
            return problems;
        }
        if (!requestProblems.isEmpty() && (x.status() < 400 || x.status() >= 500)) {
            problems.add("the document says the request is invalid (" + requestProblems + ") but it was answered "
                    + x.status());
        }
        checkResponse(response, x.status(), x, problems);
        return problems;
    }

    private String matchPath(String path) {
        for (Iterator<String> it = document.get("paths").fieldNames(); it.hasNext(); ) {
            String template = it.next();
            if (templatePattern(template).matcher(path).matches()) {
                return template;
            }
        }
        return null;
    }

    /** "/v1/events/{topic}" -> ^\Q/v1/events/\E(?<topic>[^/]+)$ */
    private static Pattern templatePattern(String template) {
        StringBuilder regex = new StringBuilder("^");
        java.util.regex.Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(template.substring(last, m.start()))).append("(?<").append(m.group(1)).append(">[^/]+)");
            last = m.end();
        }
        return Pattern.compile(regex.append(Pattern.quote(template.substring(last))).append("$").toString());
    }

    private void checkRequest(JsonNode operation, URI uri, Exchange x, List<String> problems) {
        Map<String, List<String>> query = query(uri.getRawQuery());
        for (JsonNode parameter : operation.path("parameters")) {
            JsonNode p = resolve(parameter);
            String name = p.get("name").asText();
            List<String> values = switch (p.get("in").asText()) {
                case "query" -> query.get(name);
                case "header" -> header(x.requestHeaders(), name);
                case "path" -> pathParameter(uri.getRawPath(), name);
                default -> null;
            };
            if (values == null || values.isEmpty()) {
                if (p.path("required").asBoolean(false)) {
                    problems.add("missing parameter " + name);
                }
                continue;
            }
            validate(p.get("schema"), new TextNode(values.get(0)), "parameter " + name, problems);
        }
        JsonNode body = operation.get("requestBody");
        if (body == null) {
            return;
        }
        List<String> types = header(x.requestHeaders(), "content-type");
        String type = types == null || types.isEmpty() ? "application/json" : mediaType(types.get(0));
        JsonNode media = body.get("content").get(type);
        if (media == null) {
            problems.add("request Content-Type " + type + " is not one of " + fieldNames(body.get("content")));
            return;
        }
        byte[] bytes = x.requestBody() == null ? new byte[0] : x.requestBody();
        if (type.equals("application/json")) {
            JsonNode value = parse(bytes, problems, "request body");
            if (value != null) {
                validate(media.get("schema"), value, "request body", problems);
            }
            return;
        }
        // Lines of events: each non-blank line (a JSON-seq record separator stripped) is one Event.
        JsonNode event = JSON.createObjectNode().put("$ref", "#/components/schemas/Event");
        int lineNo = 0;
        int events = 0;
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n", -1)) {
            lineNo++;
            String text = line.startsWith("\u001e") ? line.substring(1) : line;
            if (text.isBlank()) {
                continue;
            }
            events++;
            JsonNode value = parse(text.getBytes(StandardCharsets.UTF_8), problems, "request line " + lineNo);
            if (value != null) {
                validate(event, value, "request line " + lineNo, problems);
            }
        }
        if (events == 0) {
            problems.add("request body holds no event");
        }
    }

    private List<String> pathParameter(String path, String name) {
        java.util.regex.Matcher m = templatePattern(matchPath(path)).matcher(path);
        return m.matches() ? List.of(URLDecoder.decode(m.group(name), StandardCharsets.UTF_8)) : null;
    }

    private void checkResponse(JsonNode response, int expectedStatus, Exchange x, List<String> problems) {
        response = resolve(response);
        if (x.status() != expectedStatus) {
            problems.add("answered " + x.status() + " where the document says " + expectedStatus);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = response.path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            JsonNode spec = resolve(h.getValue());
            List<String> values = header(x.responseHeaders(), h.getKey());
            if (values == null || values.isEmpty()) {
                if (spec.path("required").asBoolean(false)) {
                    problems.add("response header " + h.getKey() + " is required");
                }
                continue;
            }
            JsonNode value = new TextNode(values.get(0));
            if ("integer".equals(resolve(spec.get("schema")).path("type").asText())) {
                try {
                    value = JSON.getNodeFactory().numberNode(Long.parseLong(values.get(0)));
                } catch (NumberFormatException e) {
                    problems.add("response header " + h.getKey() + " is not an integer: " + values.get(0));
                    continue;
                }
            }
            validate(spec.get("schema"), value, "response header " + h.getKey(), problems);
        }
        JsonNode content = response.get("content");
        byte[] body = x.responseBody() == null ? new byte[0] : x.responseBody();
        if (content == null) {
            if (body.length > 0) {
                problems.add("the document gives no body for " + x.status() + " but one came");
            }
            return;
        }
        List<String> types = header(x.responseHeaders(), "content-type");
        String type = types == null || types.isEmpty() ? null : mediaType(types.get(0));
        JsonNode media = type == null ? null : content.get(type);
        if (media == null) {
            problems.add("response Content-Type " + type + " is not one of " + fieldNames(content));
            return;
        }
        if (type.equals("application/json")) {
            JsonNode value = parse(body, problems, "response body");
            if (value != null) {
                validate(media.get("schema"), value, "response body", problems);
            }
        }
    }

    private void validate(JsonNode schema, JsonNode value, String what, List<String> problems) {
        JsonSchema compiledSchema = compiled.computeIfAbsent(schema.toString(), key -> {
            ObjectNode wrapper = JSON.createObjectNode();
            wrapper.put("$schema", "https://json-schema.org/draft/2020-12/schema");
            wrapper.putArray("allOf").add(schema);
            wrapper.set("components", document.get("components")); // so "#/components/schemas/X" resolves
            return SCHEMAS.getSchema(wrapper);
        });
        Set<ValidationMessage> messages = compiledSchema.validate(value);
        for (ValidationMessage m : messages) {
            problems.add(what + ": " + m.getMessage());
        }
    }

    private JsonNode resolve(JsonNode node) {
        while (node != null && node.has("$ref")) {
            node = document.at(node.get("$ref").asText().substring(1));
        }
        return node;
    }

    private static JsonNode parse(byte[] bytes, List<String> problems, String what) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            problems.add(what + " is not JSON: " + e.getMessage());
            return null;
        }
    }

    private static String mediaType(String contentType) {
        return contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    }

    private static List<String> header(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> out = new java.util.HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
