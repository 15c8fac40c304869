package dev.eventpublisher.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The contract check itself: exchanges that break openapi.json must be caught, faithful ones pass. */
class OpenApiContractTest {
    private static final Map<String, List<String>> JSON_TYPE = Map.of("Content-Type", List.of("application/json"));

    private static List<String> check(String method, String path, Map<String, List<String>> requestHeaders, String body,
                                      int status, Map<String, List<String>> responseHeaders, String responseBody) {
        return OpenApiContract.get().violations(new OpenApiContract.Exchange(method, path, requestHeaders,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), status, responseHeaders,
                responseBody.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldPassAFaithfulExchange() {
        assertThat(check("POST", "/v1/events/orders?sync=false", JSON_TYPE, "{\"a\":1}", 202, JSON_TYPE, "{\"accepted\":1}"))
                .isEmpty();
        assertThat(check("POST", "/v1/events", Map.of("Content-Type", List.of("application/x-ndjson")),
                "{\"topic\":\"a\",\"value\":1}\n", 503, Map.of("Content-Type", List.of("application/json"),
                        "Retry-After", List.of("1")), "{\"error\":\"ring_full\",\"message\":\"m\"}")).isEmpty();
    }

    @Test
    void shouldCatchABodyThatDoesNotMatchItsSchema() {
        assertThat(check("POST", "/v1/events/orders", JSON_TYPE, "{}", 202, JSON_TYPE, "{\"accepted\":\"one\"}"))
                .anyMatch(p -> p.contains("response body"));
        assertThat(check("POST", "/v1/events/orders?sync=true", JSON_TYPE, "{}", 200, JSON_TYPE,
                "{\"results\":[{\"topic\":\"orders\",\"partition\":0}]}")).isNotEmpty();
    }

    @Test
    void shouldCatchAnUndocumentedStatusTypeOrMissingHeader() {
        assertThat(check("POST", "/v1/events/orders", JSON_TYPE, "{}", 418, JSON_TYPE, "{}"))
                .anyMatch(p -> p.contains("not documented"));
        assertThat(check("POST", "/v1/events/orders", JSON_TYPE, "{}", 202, Map.of("Content-Type", List.of("text/plain")),
                "{\"accepted\":1}")).anyMatch(p -> p.contains("Content-Type"));
        assertThat(check("POST", "/v1/events/orders", JSON_TYPE, "{}", 503, JSON_TYPE,
                "{\"error\":\"ring_full\",\"message\":\"m\"}")).anyMatch(p -> p.contains("Retry-After"));
        assertThat(check("GET", "/v1/events", Map.of(), null, 405, JSON_TYPE, "{\"error\":\"x\",\"message\":\"m\"}"))
                .anyMatch(p -> p.contains("Allow"));
        assertThat(check("GET", "/nowhere", Map.of(), null, 200, JSON_TYPE, "{}")).isNotEmpty();
    }

    @Test
    void shouldCatchAnInvalidRequestThatWasAccepted() {
        assertThat(check("POST", "/v1/events", Map.of("Content-Type", List.of("application/x-ndjson")),
                "{\"value\":1}\n", 202, JSON_TYPE, "{\"accepted\":1}")).anyMatch(p -> p.contains("request is invalid"));
        assertThat(check("POST", "/v1/events/bad%20topic", JSON_TYPE, "{}", 202, JSON_TYPE, "{\"accepted\":1}"))
                .anyMatch(p -> p.contains("parameter topic"));
        assertThat(check("POST", "/v1/events/orders", Map.of("Idempotency-Key", List.of("has space")), "{}", 202, JSON_TYPE,
                "{\"accepted\":1}")).anyMatch(p -> p.contains("Idempotency-Key"));
    }
}
