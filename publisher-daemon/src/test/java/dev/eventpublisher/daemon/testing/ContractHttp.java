package dev.eventpublisher.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real HTTP client (the JDK's) whose every exchange is checked against the OpenAPI document; a test
 * fails on the first exchange that breaks it. Requests are described here rather than as JDK
 * HttpRequests because a built HttpRequest no longer shows its body.
 */
public final class ContractHttp {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String[] always;

    /** @param always headers sent with every request (name, value, ...), e.g. the bearer token */
    public ContractHttp(String baseUrl, String... always) {
        this.baseUrl = baseUrl;
        this.always = always;
    }

    public HttpClient client() {
        return http;
    }

    public HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, null, headers);
    }

    public HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        return send("POST", path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
    }

    /** {@code headers}: name, value, name, value... */
    public HttpResponse<String> send(String method, String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        Map<String, List<String>> sent = new LinkedHashMap<>();
        for (int i = 0; i < always.length; i += 2) {
            if (java.util.Arrays.stream(headers).noneMatch(always[i]::equalsIgnoreCase)) {
                request.header(always[i], always[i + 1]);
            }
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            sent.put(headers[i], List.of(headers[i + 1]));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        check(method, path, sent, body, response);
        return response;
    }

    /** Checks an exchange made by other means (e.g. a raw socket). */
    public static void check(String method, String path, Map<String, List<String>> requestHeaders, byte[] body,
                             HttpResponse<String> response) {
        List<String> problems = OpenApiContract.get().violations(new OpenApiContract.Exchange(method, path, requestHeaders,
                body, response.statusCode(), response.headers().map(), response.body().getBytes(StandardCharsets.UTF_8)));
        assertThat(problems).as("%s %s -> %d %s breaks openapi.json", method, path, response.statusCode(), response.body())
                .isEmpty();
    }
}
