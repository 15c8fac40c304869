package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.testing.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping and starting the daemon again keeps the embedded broker's data (same data directory). */
class DaemonRestartIT {

    private static int post(DaemonProcess daemon, String value) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/v1/events/kept?sync=true"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(value)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void shouldStartAgainOnItsOwnDataAndKeepWhatWasWritten(@TempDir Path data) throws Exception {
        Map<String, String> env = Map.of("PUBLISHER_DATA_DIR", data.toString(),
                "PUBLISHER_EMBEDDED_KAFKA_PORT", Integer.toString(DaemonProcess.freePort()));
        try (DaemonProcess first = DaemonProcess.start(env, List.of())) {
            assertThat(post(first, "{\"run\":1}")).isEqualTo(200);
            assertThat(first.terminate(Duration.ofSeconds(60))).isZero();
        }
        try (DaemonProcess second = DaemonProcess.start(env, List.of())) {
            assertThat(post(second, "{\"run\":2}")).isEqualTo(200);
            assertThat(TopicReader.readAll(second.kafkaBootstrap(), "kept")).extracting(r -> new String(r.value()))
                    .containsExactly("{\"run\":1}", "{\"run\":2}");
        }
    }
}
