package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import dev.eventpublisher.daemon.testing.DaemonProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other CLI commands against a running daemon (tail, load, --help, --version, JSON logs), and the
 * HTTP port served over TLS with a bearer token.
 */
class CliAndTlsIT {

    @Test
    void shouldTailLoadAndExplainItself(@TempDir Path tmp) throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(Map.of("LOG_FORMAT", "json"), List.of())) {
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl()
                        + "/v1/events/cli-topic?key=k" + i)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(202);
            }
            Map<String, String> env = Map.of("PUBLISHER_EMBEDDED_KAFKA_PORT", Integer.toString(daemon.kafkaPort));

            DaemonProcess.Result tail = DaemonProcess.run(env, List.of(), List.of("tail", "cli-topic", "-n", "3",
                    "--idle-timeout", "30s"));
            assertThat(tail.exitCode()).as(tail.output()).isZero();
            assertThat(tail.output()).contains("key=k0 value={\"n\":0}").contains("key=k1 value={\"n\":1}")
                    .contains("key=k2 value={\"n\":2}");

            DaemonProcess.Result load = DaemonProcess.run(env, List.of(), List.of("load", "--topic", "cli-load",
                    "--rate", "2000", "--duration", "2s", "--threads", "2"));
            assertThat(load.exitCode()).as(load.output()).isZero();
            assertThat(load.output()).containsPattern("rate=\\s*[0-9,]+/s acked=\\s*[0-9,]+ failed=0 refused=0 p99=")
                    .containsPattern("summary: [0-9,]+ acknowledged in [0-9.]+ s").contains("failed 0");

            assertThat(daemon.log()).as("LOG_FORMAT=json writes one JSON object per line")
                    .containsPattern("\\{\"sequenceNumber\"|\\{\"timestamp\"");
        }

        DaemonProcess.Result help = DaemonProcess.run(Map.of(), List.of(), List.of("--help"));
        assertThat(help.exitCode()).isZero();
        assertThat(help.output()).contains("run").contains("tail").contains("load").contains("check-config");
        DaemonProcess.Result version = DaemonProcess.run(Map.of(), List.of(), List.of("--version"));
        assertThat(version.exitCode()).isZero();
        assertThat(version.output()).startsWith("publisherd ");
        DaemonProcess.Result unknown = DaemonProcess.run(Map.of(), List.of(), List.of("frobnicate"));
        assertThat(unknown.exitCode()).isEqualTo(2);
    }

    @Test
    void shouldServeHttpsAndRequireTheBearerToken(@TempDir Path tmp) throws Exception {
        Path keystore = tmp.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keystore.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        Certificate certificate = store.getCertificate("server");
        PrivateKey key = (PrivateKey) store.getKey("server", "changeit".toCharArray());
        Path certPem = tmp.resolve("cert.pem");
        Path keyPem = tmp.resolve("key.pem");
        Files.writeString(certPem, pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
        Path config = tmp.resolve("tls.conf");
        Files.writeString(config, "publisher.http.tls { enabled = true, certificate = \"" + certPem
                + "\", private-key = \"" + keyPem + "\" }\n");

        try (DaemonProcess daemon = DaemonProcess.start(Map.of("PUBLISHER_HTTP_TOKEN", "t0ken"),
                List.of("-Dconfig.file=" + config), null)) {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
            String base = "https://127.0.0.1:" + daemon.httpPort;

            HttpResponse<String> ready = https.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            HttpResponse<String> anonymous = https.send(HttpRequest.newBuilder(URI.create(base + "/v1/events/secure"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            HttpResponse<String> ok = https.send(HttpRequest.newBuilder(URI.create(base + "/v1/events/secure?sync=true"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer t0ken")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"secure\":true}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(ok.body()).contains("\"topic\":\"secure\"").contains("\"offset\":0");

            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort + "/health/live"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()))
                    .as("plain HTTP is not served on the TLS port").isInstanceOf(java.io.IOException.class);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
