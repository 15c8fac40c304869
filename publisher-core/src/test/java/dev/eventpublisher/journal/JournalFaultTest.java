package dev.eventpublisher.journal;

import static dev.eventpublisher.journal.JournalTestKit.SEGMENT;
import static dev.eventpublisher.journal.JournalTestKit.builder;
import static dev.eventpublisher.journal.JournalTestKit.config;
import static dev.eventpublisher.journal.JournalTestKit.replayAll;
import static dev.eventpublisher.journal.JournalTestKit.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import dev.eventpublisher.EventPublisher;
import dev.eventpublisher.PublishFuture;
import dev.eventpublisher.PublishRejectedException;
import dev.eventpublisher.metrics.MetricNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal under file faults, through a real publisher on the model disk: a torn or zero-filled last
 * write, a bit flipped in a sealed segment, {@code force()} failing, a full disk, a full journal, two
 * publishers on one directory, and what a crash leaves half done.
 */
class JournalFaultTest {

    /** Publishes {@code n} events of about {@code bytes} each; returns their values, all accepted. */
    private static List<String> publishAccepted(EventPublisher publisher, int from, int n, int bytes) {
        List<String> values = new ArrayList<>();
        List<CompletableFuture<Void>> accepted = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            String v = value(i, bytes);
            values.add(v);
            accepted.add(publisher.publish("t", "k" + (i % 7), v).accepted());
        }
        CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).join();
        return values;
    }

    /**
     * Publishes one event at a time, each waiting for its acceptance, until one is refused — at publish, or
     * by the journal afterwards; returns that refusal (null if none within {@code max}).
     */
    private static PublishRejectedException publishUntilRefused(EventPublisher publisher, int max,
                                                                java.util.function.IntFunction<String> value,
                                                                java.util.function.Consumer<String> accepted) {
        for (int i = 0; i < max; i++) {
            String v = value.apply(i);
            try {
                publisher.publish("t", "k", v).accepted().join();
                accepted.accept(v);
            } catch (PublishRejectedException e) {
                return e;
            } catch (CompletionException e) {
                return (PublishRejectedException) e.getCause();
            }
        }
        return null;
    }

    private static List<String> segmentsOf(FaultyStorage disk) {
        return disk.list().stream().filter(n -> SegmentFiles.baseOf(n) >= 0).sorted().toList();
    }

    @Test
    void shouldTruncateATornLastWriteToTheLastWholeRecordAndKeepEverythingBeforeIt() throws Exception {
        for (FaultyStorage.Tail tail : new FaultyStorage.Tail[] {FaultyStorage.Tail.TORN, FaultyStorage.Tail.ZEROS}) {
            FaultyStorage disk = new FaultyStorage();
            JournalTestKit.ScriptedKafka kafka = new JournalTestKit.ScriptedKafka(v -> false);
            List<String> values;
            try (EventPublisher publisher = builder(disk, config(FsyncPolicy.NONE), kafka).build()) {
                values = publishAccepted(publisher, 0, 300, 100);
            }
            // NONE never forces records: a power cut keeps a random piece of them, torn or zeroed.
            FaultyStorage image = disk.afterCrash(true, tail, new Random(7));
            JournalTestKit.Replayed replayed = replayAll(image, config(FsyncPolicy.NONE));
            assertThat(replayed.values()).as("a prefix survives").isEqualTo(values.subList(0, replayed.values().size()));
            assertThat(replayed.truncatedBytes()).as(tail + ": the partial record was cut off").isPositive();
            // A second start finds a clean journal: nothing more truncated, no crash loop.
            assertThat(replayAll(image, config(FsyncPolicy.NONE)).truncatedBytes()).isZero();
        }
    }

    @Test
    void shouldSetADamagedSealedSegmentAsideCountTheLossAndReplayEveryOtherEvent() throws Exception {
        FaultyStorage disk = new FaultyStorage();
        JournalTestKit.ScriptedKafka kafka = new JournalTestKit.ScriptedKafka(v -> false);
        List<String> values;
        try (EventPublisher publisher = builder(disk, config(FsyncPolicy.BATCH), kafka).build()) {
            values = publishAccepted(publisher, 0, 1_500, 2_000); // ~3 MiB: several 1 MiB segments
        }
        List<String> segments = segmentsOf(disk);
        assertThat(segments.size()).isGreaterThanOrEqualTo(3);
        String sealed = segments.get(1);
        disk.flipBit(sealed, disk.size(sealed) / 2, 3); // inside some record's payload

        JournalTestKit.Replayed replayed = replayAll(disk, config(FsyncPolicy.BATCH));
        assertThat(replayed.corrupt()).isEqualTo(1);
        assertThat(replayed.lost()).as("exactly the damaged record").isEqualTo(1);
        assertThat(replayed.values()).hasSize(values.size() - 1);
        assertThat(values).containsAll(replayed.values());
        assertThat(disk.list()).anyMatch(n -> n.startsWith(sealed + SegmentFiles.CORRUPT_SUFFIX));
        assertThat(replayAll(disk, config(FsyncPolicy.BATCH)).corrupt()).as("repaired once, clean after").isZero();
    }

    @Test
    void shouldSetASegmentWithADamagedHeaderAsideAndCountItsPositionsLost() throws Exception {
        FaultyStorage disk = new FaultyStorage();
        List<String> values;
        try (EventPublisher publisher = builder(disk, config(FsyncPolicy.BATCH), new JournalTestKit.ScriptedKafka(v -> false)).build()) {
            values = publishAccepted(publisher, 0, 1_500, 2_000);
        }
        String sealed = segmentsOf(disk).get(1);
        disk.flipBit(sealed, 9, 0); // the base position in its header
        JournalTestKit.Replayed replayed = replayAll(disk, config(FsyncPolicy.BATCH));
        assertThat(replayed.lost()).isPositive();
        assertThat(replayed.values().size() + replayed.lost()).isEqualTo(values.size());
    }

    @Test
    void shouldStopAcceptingAfterAFailedForceAndStillDeliverWhatWasAccepted() throws Exception {
        FaultyStorage disk = new FaultyStorage();
        JournalTestKit.ScriptedKafka kafka = new JournalTestKit.ScriptedKafka(v -> true);
        try (EventPublisher publisher = builder(disk, config(FsyncPolicy.BATCH), kafka).build()) {
            List<String> before = publishAccepted(publisher, 0, 200, 100);
            disk.failForcesAfter(0);
            // The next force fails — a group commit's, or the checkpoint's if it comes first.
            PublishRejectedException refusal = publishUntilRefused(publisher, 1_000, i -> "doomed-" + i, v -> { });
            assertThat(refusal).isNotNull();
            assertThat(refusal.reason()).isEqualTo(PublishRejectedException.Reason.JOURNAL_FAILED);
            assertThat(publisher.journal().failure()).contains("force() failed");
            assertThatThrownBy(() -> publisher.publish("t", "k", "after"))
                    .isInstanceOf(PublishRejectedException.class)
                    .extracting(e -> ((PublishRejectedException) e).reason()).isEqualTo(PublishRejectedException.Reason.JOURNAL_FAILED);
            publisher.forceFlush().get(10, TimeUnit.SECONDS);
            assertThat(kafka.acknowledged).containsAll(before).doesNotContain("after");
            assertThat(publisher.metrics().getGauges().get(MetricNames.JOURNAL_STATE).getValue()).isEqualTo(2);
            int attemptsWhenFailed = disk.forceAttempts();
            Thread.sleep(3 * Journal.CHECKPOINT_PERIOD_MS);
            assertThat(disk.forceAttempts()).as("nothing is forced after a failed force").isEqualTo(attemptsWhenFailed);
        }
    }

    @Test
    void shouldRefuseWithJournalFullWhenTheDiskFillsAndAcceptAgainOnceSpaceIsFreed() throws Exception {
        FaultyStorage disk = new FaultyStorage();
        disk.capacity(6 * SEGMENT);
        JournalTestKit.ScriptedKafka kafka = new JournalTestKit.ScriptedKafka(v -> false);
        try (EventPublisher publisher = builder(disk, config(FsyncPolicy.BATCH), kafka).build()) {
            Set<String> accepted = new HashSet<>();
            PublishRejectedException refusal = publishUntilRefused(publisher, 100_000, i -> value(i, 1_000), accepted::add);
            assertThat(refusal).isNotNull();
            assertThat(refusal.reason()).isEqualTo(PublishRejectedException.Reason.JOURNAL_FULL);
            assertThat(publisher.journal().failure()).as("a full disk is not a failure").isNull();

            kafka.acknowledge = v -> true;
            kafka.releaseHeld(); // Kafka acknowledges: whole segments below the mark are deleted
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                publisher.publish("t", "k", "after-space").accepted().join();
                return true;
            });
            publisher.forceFlush().get(10, TimeUnit.SECONDS);
            assertThat(kafka.acknowledged).containsAll(accepted).contains("after-space");
        }
    }

    @Test
    void shouldRejectAtMaxBytesUnderReject() throws Exception {
        FaultyStorage disk = new FaultyStorage();
        JournalTestKit.ScriptedKafka kafka = new JournalTestKit.ScriptedKafka(v -> false);
        try (EventPublisher publisher = builder(disk, config(FsyncPolicy.BATCH).maxBytes(4 * SEGMENT), kafka).build()) {
            Set<String> acceptedValues = new HashSet<>();
            PublishRejectedException refusal = publishUntilRefused(publisher, 100_000, i -> value(i, 1_000), acceptedValues::add);
            int accepted = acceptedValues.size();
            assertThat(refusal.reason()).isEqualTo(PublishRejectedException.Reason.JOURNAL_FULL);
            assertThat((Long) publisher.metrics().getGauges().get(MetricNames.JOURNAL_BYTES).getValue())
                    .as("never past max-bytes").isLessThanOrEqualTo(4 * SEGMENT);
            assertThat(publisher.metrics().counter(MetricNames.JOURNAL_FULL_REFUSALS).getCount()).isPositive();

            kafka.acknowledge = v -> true;
            kafka.releaseHeld();
            await().atMost(Duration.ofSeconds(10)).until(() -> !publisher.journal().isFull());
            publisher.publish("t", "k", "after-room").accepted().get(10, TimeUnit.SECONDS);
            publisher.forceFlush().get(10, TimeUnit.SECONDS);
            assertThat(kafka.acknowledged).hasSize(accepted + 1);
        }
    }

    @Test
    void shouldMakePublishersWaitForRoomUnderBlockAndGoOnOnceKafkaAcknowledges() throws Exception {
        FaultyStorage disk = new FaultyStorage();
        JournalTestKit.ScriptedKafka kafka = new JournalTestKit.ScriptedKafka(v -> false);
        JournalConfig config = config(FsyncPolicy.BATCH).maxBytes(4 * SEGMENT).whenFull(WhenFull.BLOCK);
        try (EventPublisher publisher = builder(disk, config, kafka).blockTimeout(Duration.ofMillis(300)).build()) {
            // Fill it: each event is accepted, until one waits (in the journal) or is refused after waiting (at admission).
            PublishFuture waiting = null;
            for (int i = 0; waiting == null; i++) {
                long started = System.nanoTime();
                try {
                    PublishFuture f = publisher.publish("t", "k", value(i, 1_000));
                    try {
                        f.accepted().get(2, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException stillWaiting) {
                        waiting = f;
                    }
                } catch (PublishRejectedException e) {
                    assertThat(e.reason()).isEqualTo(PublishRejectedException.Reason.JOURNAL_FULL);
                    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                            .as("BLOCK waits its block timeout before refusing").isGreaterThanOrEqualTo(250);
                    waiting = publisher.publish("t", "k", "blocked-in-journal"); // passes only once there is room
                }
            }
            assertThat(publisher.metrics().counter(MetricNames.JOURNAL_FULL_REFUSALS).getCount())
                    .as("the journal thread waits instead of refusing").isZero();
            kafka.acknowledge = v -> true;
            kafka.releaseHeld();
            waiting.accepted().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldDeleteSegmentsOnceEverythingInThemIsAcknowledgedAndReplayNothingAfterwards() throws Exception {
        FaultyStorage disk = new FaultyStorage();
        JournalTestKit.ScriptedKafka kafka = new JournalTestKit.ScriptedKafka(v -> true);
        try (EventPublisher publisher = builder(disk, config(FsyncPolicy.BATCH), kafka).build()) {
            publishAccepted(publisher, 0, 3_000, 2_000);
            publisher.forceFlush().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> segmentsOf(disk).size() == 1);
            assertThat((Long) publisher.metrics().getGauges().get(MetricNames.JOURNAL_BYTES).getValue()).isLessThan(2 * SEGMENT);
            assertThat(publisher.metrics().getGauges().get(MetricNames.JOURNAL_UNACKNOWLEDGED).getValue()).isEqualTo(0L);
        }
        assertThat(replayAll(disk, config(FsyncPolicy.BATCH)).count()).isZero();
    }

    @Test
    void shouldFinishOrDiscardWhatACrashInterruptedAndDeleteSegmentsTheCheckpointAlreadyPassed() throws Exception {
        FaultyStorage disk = new FaultyStorage();
        List<String> values;
        try (EventPublisher publisher = builder(disk, config(FsyncPolicy.BATCH), new JournalTestKit.ScriptedKafka(v -> false)).build()) {
            values = publishAccepted(publisher, 0, 1_500, 2_000);
        }
        List<String> segments = segmentsOf(disk);
        long secondBase = SegmentFiles.baseOf(segments.get(1));
        // As if a checkpoint passed the first segment and the process died before deleting it:
        java.util.UUID id = Checkpoint.read(disk).journalId();
        new Checkpoint(id, secondBase).write(disk);
        // ...and as if it also died in the middle of writing the next checkpoint and a salvage copy.
        try (var temp = disk.create(Checkpoint.TEMP)) {
            temp.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        try (var copy = disk.create(segments.get(2) + SegmentFiles.SALVAGE_SUFFIX)) {
            copy.write(java.nio.ByteBuffer.wrap(new byte[] {4, 5, 6}));
        }
        JournalTestKit.Replayed replayed = replayAll(disk, config(FsyncPolicy.BATCH));
        assertThat(replayed.values()).isEqualTo(values.subList((int) secondBase, values.size()));
        assertThat(disk.list()).doesNotContain(segments.get(0), Checkpoint.TEMP, segments.get(2) + SegmentFiles.SALVAGE_SUFFIX);
    }

    @Test
    void shouldRefuseASecondPublisherOnTheSameDirectoryAndNameTheHolder(@TempDir Path dir) throws Exception {
        JournalConfig config = JournalConfig.at(dir).segmentBytes(SEGMENT).maxBytes(8 * SEGMENT);
        try (EventPublisher first = EventPublisher.builder().batchSender(new JournalTestKit.ScriptedKafka(v -> true))
                .journal(config).build()) {
            first.publish("t", "k", "v").accepted().get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> EventPublisher.builder().batchSender(new JournalTestKit.ScriptedKafka(v -> true))
                    .journal(config).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use by another publisher")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid());
            assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList()).contains("lock", "checkpoint");
        }
        // Released on close: the next one opens it.
        EventPublisher.builder().batchSender(new JournalTestKit.ScriptedKafka(v -> true)).journal(config).build().close();
    }
}
