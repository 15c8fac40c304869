package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.testing.TopicReader;
import org.junit.jupiter.api.Test;

/** The daemon's MXBean and Dropwizard metrics, read and invoked through a real remote JMX connector. */
class JmxIT {

    @Test
    void shouldExposeBatchStatusAndForceFlushOverRemoteJmx() throws Exception {
        int jmxPort = DaemonProcess.freePort();
        List<String> jvm = List.of(
                "-Dcom.sun.management.jmxremote.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false",
                "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Djava.rmi.server.hostname=127.0.0.1",
                // Keep events pending so the flush has something to do.
                "-Dpublisher.batch.end-of-batch=size-or-timeout",
                "-Dpublisher.batch.timeout=1h");
        try (DaemonProcess daemon = DaemonProcess.start(Map.of(), jvm);
             JMXConnector connector = JMXConnectorFactory.connect(
                     new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"))) {
            MBeanServerConnection jmx = connector.getMBeanServerConnection();
            ObjectName publisher = new ObjectName("eventpublisher:type=BatchPublisher");

            assertThat(jmx.getAttribute(publisher, "BatchSize")).isEqualTo(50);
            assertThat(jmx.getAttribute(publisher, "BatchTimeoutMs")).isEqualTo(3_600_000L);
            assertThat(jmx.getAttribute(publisher, "MaxBatchSize")).isEqualTo(200);
            assertThat(jmx.getAttribute(publisher, "PendingEvents")).isEqualTo(0);
            assertThat(jmx.getAttribute(publisher, "HasScheduledFlush")).isEqualTo(false);

            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(daemon.baseUrl() + "/v1/events/jmx-topic"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"i\":" + i + "}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(202);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> Integer.valueOf(3).equals(jmx.getAttribute(publisher, "PendingEvents")));
            assertThat(jmx.getAttribute(publisher, "HasScheduledFlush")).isEqualTo(true);
            assertThat(jmx.getAttribute(publisher, "AcceptedEvents")).isEqualTo(3L);
            assertThat(jmx.getAttribute(publisher, "AcknowledgedEvents")).isEqualTo(0L);

            Object result = jmx.invoke(publisher, "forceFlush", new Object[0], new String[0]);

            assertThat(result).asString().startsWith("flushed");
            assertThat(jmx.getAttribute(publisher, "PendingEvents")).isEqualTo(0);
            assertThat(jmx.getAttribute(publisher, "AcknowledgedEvents")).isEqualTo(3L);
            assertThat(jmx.getAttribute(publisher, "FailedEvents")).isEqualTo(0L);
            assertThat(TopicReader.readAll(daemon.kafkaBootstrap(), "jmx-topic")).hasSize(3);

            // Every Dropwizard metric is published under the eventpublisher domain.
            Set<ObjectName> accepted = jmx.queryNames(new ObjectName("eventpublisher:name=events.accepted,*"), null);
            assertThat(accepted).hasSize(1);
            assertThat(jmx.getAttribute(accepted.iterator().next(), "Count")).isEqualTo(3L);
            Set<ObjectName> forced = jmx.queryNames(new ObjectName("eventpublisher:name=batches.flushed.forced,*"), null);
            assertThat(jmx.getAttribute(forced.iterator().next(), "Count")).isEqualTo(1L);
            assertThat(jmx.queryNames(new ObjectName("eventpublisher:name=events.publish-to-ack-ns,*"), null)).hasSize(1);
        }
    }
}
