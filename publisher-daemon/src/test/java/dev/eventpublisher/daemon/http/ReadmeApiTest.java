package dev.eventpublisher.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The README's "HTTP API" tables name exactly the endpoints, error statuses and error codes openapi.json does. */
class ReadmeApiTest {
    private static final Pattern ENDPOINT = Pattern.compile("`(GET|POST|PUT|DELETE|PATCH) (/[^\\s`\\[?…]*)");

    private static String section() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("### HTTP API");
        int end = readme.indexOf("### Retries and idempotency");
        assertThat(start).as("README has an HTTP API section").isPositive();
        return readme.substring(start, end);
    }

    private static JsonNode document() throws Exception {
        return new ObjectMapper().readTree(ReadmeApiTest.class.getResourceAsStream(OpenApi.RESOURCE));
    }

    @Test
    void shouldListExactlyTheDocumentedEndpoints() throws Exception {
        Set<String> readme = new TreeSet<>();
        Matcher m = ENDPOINT.matcher(section());
        while (m.find()) {
            readme.add(m.group(1) + " " + m.group(2));
        }
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document().get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(method -> documented.add(method.toUpperCase() + " " + path.getKey()));
        }
        assertThat(readme).isEqualTo(documented);
    }

    @Test
    void shouldListExactlyTheDocumentedErrorStatusesAndCodes() throws Exception {
        Set<String> statuses = new TreeSet<>();
        Set<String> codes = new TreeSet<>();
        for (String line : section().split("\n")) {
            Matcher row = Pattern.compile("^\\| ([0-9 /]+) \\| ([^|]+) \\|").matcher(line);
            if (row.find() && row.group(1).trim().matches("[45]\\d\\d( / [45]\\d\\d)*")) {
                for (String s : row.group(1).trim().split(" / ")) {
                    statuses.add(s);
                }
                Matcher code = Pattern.compile("`([a-z_]+)`").matcher(row.group(2));
                while (code.find()) {
                    codes.add(code.group(1));
                }
            }
        }
        JsonNode doc = document();
        Set<String> documentedStatuses = new TreeSet<>();
        doc.get("paths").forEach(item -> item.forEach(op -> op.get("responses").fieldNames().forEachRemaining(s -> {
            if (s.startsWith("4") || s.startsWith("5")) {
                documentedStatuses.add(s);
            }
        })));
        documentedStatuses.add("404"); // x-unlisted-responses
        documentedStatuses.add("405");
        Set<String> documentedCodes = new TreeSet<>();
        doc.at("/components/schemas/Error/properties/error/examples").forEach(c -> documentedCodes.add(c.asText()));
        assertThat(statuses).isEqualTo(documentedStatuses);
        assertThat(codes).isEqualTo(documentedCodes);
    }
}
