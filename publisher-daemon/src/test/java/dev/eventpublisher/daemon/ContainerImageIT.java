package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.daemon.testing.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The container image, built by {@code packaging/image/build} with no Docker daemon, really starts the
 * daemon: the archive is unpacked the way a container runtime would (skopeo, umoci: the root file system
 * and the runtime config), and the config's command runs in that root file system (chroot, /proc mounted)
 * as the config's user, with the config's environment. {@code /health/live} answers, a sync publish is
 * acknowledged by the embedded broker writing under {@code /data}, and SIGTERM exits 0. Needs root, umoci,
 * skopeo and apt-get (Debian); skipped (reported) without them.
 */
class ContainerImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldBuildAnImageWhoseFileSystemRunsTheDaemonAsANonRootUser() throws Exception {
        Assumptions.assumeTrue(isRoot() && Tools.onPath("umoci") && Tools.onPath("skopeo") && Tools.onPath("apt-get") && Tools.onPath("chroot"),
                "needs root, umoci, skopeo, apt-get and chroot: the image was not built and run");
        Path build = Path.of("..", "packaging", "image", "build").toAbsolutePath().normalize();
        Path archive = build.resolveSibling("target").resolve("publisherd-image.tar");
        run(List.of(build.toString()), Duration.ofMinutes(10));
        assertThat(archive).exists();

        JsonNode image = JSON.readTree(run(List.of("skopeo", "inspect", "--config", "docker-archive:" + archive), Duration.ofMinutes(1)));
        assertThat(image.at("/config/User").asText()).isEqualTo("10001:10001");
        assertThat(image.at("/config/ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(image.at("/config/Volumes").has("/data")).isTrue();

        Path work = Files.createTempDirectory("image-it-");
        run(List.of("skopeo", "copy", "--quiet", "docker-archive:" + archive, "oci:" + work.resolve("oci") + ":publisherd"),
                Duration.ofMinutes(2));
        Path bundle = work.resolve("bundle");
        run(List.of("umoci", "unpack", "--image", work.resolve("oci") + ":publisherd", bundle.toString()), Duration.ofMinutes(2));
        JsonNode process = JSON.readTree(bundle.resolve("config.json").toFile()).get("process");
        Path rootfs = bundle.resolve("rootfs");
        Path proc = rootfs.resolve("proc");
        Files.createDirectories(proc);
        boolean procMounted = new ProcessBuilder("mount", "-t", "proc", "proc", proc.toString()).start().waitFor() == 0;

        int http = DaemonProcess.freePort();
        List<String> command = new ArrayList<>(List.of("chroot", "--userspec=" + process.at("/user/uid").asInt() + ":"
                + process.at("/user/gid").asInt(), rootfs.toString()));
        process.get("args").forEach(a -> command.add(a.asText()));
        ProcessBuilder daemon = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(work.resolve("daemon.log").toFile());
        Map<String, String> env = daemon.environment();
        env.clear();
        process.get("env").forEach(e -> env.put(e.asText().substring(0, e.asText().indexOf('=')), e.asText().substring(e.asText().indexOf('=') + 1)));
        env.put("PUBLISHER_HTTP_PORT", Integer.toString(http)); // the host's network: free ports instead of 8080/9092
        env.put("PUBLISHER_EMBEDDED_KAFKA_PORT", Integer.toString(DaemonProcess.freePort()));
        if (!procMounted) {
            env.put("LD_LIBRARY_PATH", "/opt/java/lib"); // without /proc the loader cannot resolve $ORIGIN
        }
        Process running = daemon.start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + http;
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> client.send(HttpRequest.newBuilder(URI.create(base + "/health/live")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            HttpResponse<String> published = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/events/from-image?sync=true"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"image\":true}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
            assertThat(Files.getAttribute(rootfs.resolve("data/journal"), "unix:uid")).isEqualTo(10001);
            assertThat(Files.getAttribute(rootfs.resolve("data/kafka"), "unix:uid")).isEqualTo(10001);

            running.destroy(); // SIGTERM: chroot exec'd java, so this is the daemon itself
            assertThat(running.waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(running.exitValue()).as(Files.readString(work.resolve("daemon.log"))).isZero();
        } finally {
            running.destroyForcibly();
            if (procMounted) {
                new ProcessBuilder("umount", proc.toString()).start().waitFor();
            }
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    private static String run(List<String> command, Duration timeout) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, output).isZero();
        return output;
    }

    private static boolean isRoot() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
    }

}
