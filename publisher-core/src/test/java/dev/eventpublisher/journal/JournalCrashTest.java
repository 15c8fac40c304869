package dev.eventpublisher.journal;

import static dev.eventpublisher.journal.JournalTestKit.builder;
import static dev.eventpublisher.journal.JournalTestKit.config;
import static dev.eventpublisher.journal.JournalTestKit.replayAll;
import static dev.eventpublisher.journal.JournalTestKit.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.eventpublisher.Event;
import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.PublishFuture;
import dev.eventpublisher.PublishRejectedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crashes at random moments while two threads publish and a "Kafka" acknowledges some events and holds
 * the rest; the next start must replay every accepted event Kafka had not acknowledged, invent nothing
 * and replay nothing twice. A process crash keeps everything written; a power cut keeps only what was
 * forced (plus a torn or zero-filled piece of the last write), which {@code fsync = batch} must survive.
 */
class JournalCrashTest {

    static Stream<Arguments> crashes() {
        return Stream.of(
                Arguments.of(FsyncPolicy.BATCH, true, FaultyStorage.Tail.NOTHING),
                Arguments.of(FsyncPolicy.BATCH, true, FaultyStorage.Tail.TORN),
                Arguments.of(FsyncPolicy.BATCH, true, FaultyStorage.Tail.ZEROS),
                Arguments.of(FsyncPolicy.BATCH, false, FaultyStorage.Tail.NOTHING),
                Arguments.of(FsyncPolicy.INTERVAL, false, FaultyStorage.Tail.NOTHING),
                Arguments.of(FsyncPolicy.NONE, false, FaultyStorage.Tail.NOTHING));
    }

    @ParameterizedTest(name = "fsync={0} powerCut={1} tail={2}")
    @MethodSource("crashes")
    void shouldReplayEveryAcceptedUnacknowledgedEventAfterACrashAtARandomMoment(FsyncPolicy policy, boolean powerCut,
                                                                              FaultyStorage.Tail tail) throws Exception {
        for (int trial = 0; trial < 4; trial++) {
            Random random = new Random(31L * trial + policy.ordinal() * 7L + (powerCut ? 1 : 0) + tail.ordinal() * 3L);
            crashOnce(policy, powerCut, tail, random);
        }
    }

    private void crashOnce(FsyncPolicy policy, boolean powerCut, FaultyStorage.Tail tail, Random random) throws Exception {
        FaultyStorage disk = new FaultyStorage();
        JournalConfig config = config(policy);
        JournalTestKit.ScriptedKafka kafka = new JournalTestKit.ScriptedKafka(v -> Math.floorMod(v.hashCode(), 3) != 0);
        EventPublisher publisher = builder(disk, config, kafka).build();
        Set<String> published = ConcurrentHashMap.newKeySet();
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            long seed = random.nextLong();
            Thread thread = new Thread(() -> publishUntilStopped(publisher, stop, next, published, accepted, new Random(seed)));
            thread.start();
            threads.add(thread);
        }
        // A cold JVM on a busy machine can take longer than the shortest sleep to accept its first event.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> !accepted.isEmpty());
        Thread.sleep(20 + random.nextInt(120));

        Set<String> acceptedBefore = Set.copyOf(accepted);
        FaultyStorage image = disk.afterCrash(powerCut, tail, random);
        Set<String> acknowledgedBefore = Set.copyOf(kafka.acknowledged);

        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        publisher.close(java.time.Duration.ofMillis(100)); // the crashed run; what it does now is not in the image

        JournalTestKit.Replayed replayed = replayAll(image, config);
        Set<String> unique = new HashSet<>(replayed.values());
        assertThat(unique).as("nothing replayed twice").hasSize(replayed.values().size());
        assertThat(unique.stream().filter(v -> !published.contains(v)).limit(5).toList()).as("nothing invented").isEmpty();
        Set<String> missing = new HashSet<>(acceptedBefore);
        missing.removeAll(acknowledgedBefore);
        missing.removeAll(unique);
        assertThat(missing.stream().limit(5).toList()).as("accepted %d, acknowledged %d, replayed %d: %d accepted events lost",
                acceptedBefore.size(), acknowledgedBefore.size(), unique.size(), missing.size()).isEmpty();
        assertThat(acceptedBefore).as("the trial published something before the crash").isNotEmpty();
        assertThat(replayed.lost()).as("no damage inside sealed segments here").isZero();

        assertThat(replayAll(image, config).count()).as("a start after a complete replay has nothing left").isZero();
    }

    private static void publishUntilStopped(EventPublisher publisher, AtomicBoolean stop, AtomicInteger next,
                                            Set<String> published, Set<String> accepted, Random random) {
        while (!stop.get()) {
            try {
                if (random.nextInt(4) == 0) {
                    List<Event> call = new ArrayList<>();
                    List<String> values = new ArrayList<>();
                    for (int i = 0, n = 1 + random.nextInt(20); i < n; i++) {
                        String v = value(next.getAndIncrement(), random.nextInt(200));
                        values.add(v);
                        call.add(new Event("t" + random.nextInt(3), null, v.getBytes(), null));
                    }
                    published.addAll(values);
                    var futures = publisher.publishAll(call);
                    ((PublishFuture) futures.get(futures.size() - 1)).accepted().thenRun(() -> accepted.addAll(values));
                } else {
                    String v = value(next.getAndIncrement(), random.nextInt(600));
                    published.add(v);
                    publisher.publish("t" + random.nextInt(3), "k", v).accepted().thenRun(() -> accepted.add(v));
                }
            } catch (PublishRejectedException closedOrFull) {
                Thread.onSpinWait();
            }
        }
    }
}
