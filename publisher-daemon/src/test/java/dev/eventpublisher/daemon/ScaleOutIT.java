package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.daemon.testing.DaemonProcess;
import dev.eventpublisher.daemon.testing.HttpLoad;
import dev.eventpublisher.daemon.testing.Tools;
import dev.eventpublisher.testing.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Scale-out as users run it, through {@code deploy/local-cluster}: 3 KRaft brokers as their own processes
 * (RF 3, min.insync.replicas 2), 2 daemons with their own journals, HAProxy in front health-checking
 * {@code /health/ready}. Under keyed NDJSON load through HAProxy: a rolling restart (SIGTERM daemon 1, start
 * it, then daemon 2) while a broker is SIGKILLed and later started again; then daemon 1 SIGKILLed for good and
 * its journal drained by {@code publisherd journal drain}. Every event answered 202 is in Kafka; clients see
 * only 503s (and broken connections), which they retry with the same Idempotency-Key; the dip is reported.
 * Needs haproxy and curl (skipped, reported, without them).
 */
class ScaleOutIT {
    @Test
    void shouldLoseNothingThroughARollingRestartAndABrokerKill() throws Exception {
        Assumptions.assumeTrue(Tools.onPath("haproxy") && Tools.onPath("curl"), "haproxy or curl is not installed: the cluster was not started");
        Path ctl = Path.of("..", "deploy", "local-cluster").toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory("local-cluster-");
        int base = freeBase();
        Map<String, String> env = Map.of("CLUSTER_DIR", dir.toString(), "CLUSTER_BASE_PORT", Integer.toString(base));
        String topic = "scale-out-" + System.nanoTime();
        List<String> story = new ArrayList<>();
        List<long[]> timeline = new ArrayList<>(); // {millis since start, accepted so far}
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        try {
            run(ctl.resolve("up"), env, List.of(), Duration.ofMinutes(4));
            String bootstrap = run(ctl.resolve("ctl"), env, List.of("bootstrap"), Duration.ofSeconds(10)).trim();
            HttpLoad load = new HttpLoad("http://127.0.0.1:" + base, topic, 2, 100, true);
            long start = System.nanoTime();
            sampler.scheduleAtFixedRate(() -> timeline.add(new long[] {(System.nanoTime() - start) / 1_000_000,
                    load.acceptedCount()}), 0, 250, TimeUnit.MILLISECONDS);
            Runnable mark = () -> story.add(String.format("%.1fs", (System.nanoTime() - start) / 1e9));
            Thread.sleep(2_000); // steady load before the operations
            mark.run();
            story.add("SIGTERM daemon 1: " + run(ctl.resolve("ctl"), env, List.of("daemon-stop", "1"), Duration.ofMinutes(2)));
            run(ctl.resolve("ctl"), env, List.of("daemon-start", "1"), Duration.ofMinutes(3));
            mark.run();
            story.add("daemon 1 ready; SIGKILL broker 2");
            run(ctl.resolve("ctl"), env, List.of("broker-kill", "2"), Duration.ofSeconds(30));
            run(ctl.resolve("ctl"), env, List.of("daemon-stop", "2"), Duration.ofMinutes(2));
            mark.run();
            story.add("daemon 2 stopped");
            run(ctl.resolve("ctl"), env, List.of("daemon-start", "2"), Duration.ofMinutes(3));
            mark.run();
            story.add("daemon 2 ready; broker 2 starting");
            run(ctl.resolve("ctl"), env, List.of("broker-start", "2"), Duration.ofMinutes(2));
            Thread.sleep(2_000); // steady load after
            mark.run();
            Map<Integer, Long> duringRollingRestart = load.statuses();
            story.add("SIGKILL daemon 1 for good");
            run(ctl.resolve("ctl"), env, List.of("daemon-kill", "1"), Duration.ofSeconds(30));
            Thread.sleep(2_000); // daemon 2 alone
            load.close();
            // The orphaned journal goes to Kafka through another process; nothing may be left in it.
            DaemonProcess.Result drain = DaemonProcess.run(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap), List.of(),
                    List.of("journal", "drain", "--dir", dir.resolve("daemon-1").resolve("journal").toString()));
            assertThat(drain.exitCode()).as(drain.output()).isZero();
            story.add(drain.output().lines().filter(l -> l.startsWith("drain: done")).findFirst().orElse(drain.output()));
            sampler.shutdown();
            sampler.awaitTermination(5, TimeUnit.SECONDS);

            List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readAll(bootstrap, topic);
            Map<String, Integer> stored = HttpLoad.countIds(records);
            String dip = dip(timeline);
            System.out.printf("ScaleOutIT: %s; %d records in Kafka, %d distinct, %d duplicated; %s; story: %s%n",
                    load.summary(), records.size(), stored.size(), HttpLoad.duplicated(records).size(), dip, story);
            assertThat(load.accepted().stream().filter(id -> !stored.containsKey(id)).limit(10).toList())
                    .as("every event answered 202 is in Kafka (%s)", load.summary()).isEmpty();
            assertThat(duringRollingRestart.keySet()).as("through the rolling restart clients only see 202s and "
                    + "retryable 503s: %s", duringRollingRestart).isSubsetOf(202, 503);
            assertThat(load.acceptedCount()).isPositive();
        } finally {
            sampler.shutdownNow();
            run(ctl.resolve("down"), env, List.of("--clean"), Duration.ofMinutes(3));
        }
    }

    /** Events/s in the steady seconds before the operations against the worst second during them. */
    private static String dip(List<long[]> timeline) {
        List<Double> perSecond = new ArrayList<>();
        for (int i = 4; i < timeline.size(); i++) {
            long[] now = timeline.get(i);
            long[] before = timeline.get(i - 4);
            perSecond.add((now[1] - before[1]) * 1000.0 / Math.max(1, now[0] - before[0]));
        }
        if (perSecond.size() < 12) {
            return "too short to report a dip";
        }
        double steady = perSecond.subList(0, 8).stream().mapToDouble(d -> d).average().orElse(0);
        double worst = perSecond.subList(8, perSecond.size() - 8).stream().mapToDouble(d -> d).min().orElse(0);
        return String.format("throughput %.0f events/s before, worst 1-s window %.0f events/s during (%.0f%% of before)",
                steady, worst, steady == 0 ? 0 : 100 * worst / steady);
    }

    private static String run(Path script, Map<String, String> env, List<String> args, Duration timeout) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)).as("%s finished: %s", command, output).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, output).isZero();
        return output;
    }

    /** A base port whose whole range (base, base+1..2, base+101..103, base+201..203) is free now. */
    private static int freeBase() {
        Random random = new Random();
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20_000 + random.nextInt(300) * 100;
            if (free(base) && free(base + 1) && free(base + 2) && free(base + 101) && free(base + 102) && free(base + 103)
                    && free(base + 201) && free(base + 202) && free(base + 203)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
