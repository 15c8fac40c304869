package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.typesafe.config.ConfigFactory;
import dev.eventpublisher.daemon.testing.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes validated offline against the Kubernetes and Prometheus Operator schemas (npm
 * kubernetes-models) and the daemon's own needs, by {@code deploy/kubernetes/validate}; the grace period is
 * checked against the drain timeout the daemon ships with. Needs Node.js; skipped (reported) without it.
 */
class KubernetesManifestsIT {
    @Test
    void shouldValidateAgainstTheKubernetesSchemas() throws Exception {
        Path script = Path.of("..", "deploy", "kubernetes", "validate").toAbsolutePath().normalize();
        assertThat(script).isExecutable();
        Assumptions.assumeTrue(Tools.onPath("node") && Tools.onPath("npm"), "Node.js is not installed: the manifests were not validated");
        long drain = ConfigFactory.parseResources("reference.conf").getDuration("publisher.shutdown.timeout").toSeconds();
        Process validate = new ProcessBuilder(List.of(script.toString(), Long.toString(drain))).redirectErrorStream(true).start();
        String output = new String(validate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(validate.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(validate.exitValue()).as(output).isZero();
        assertThat(output).contains("valid: statefulset.yaml apps/v1/StatefulSet", "v1/Service",
                "policy/v1/PodDisruptionBudget", "autoscaling/v2/HorizontalPodAutoscaler", "monitoring.coreos.com/v1/ServiceMonitor",
                "OK: 6 documents valid");
    }

}
