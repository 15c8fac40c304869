package dev.eventpublisher.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/** The low-water mark over out-of-order completions, and the record format byte for byte. */
class LowWaterMarkAndFormatTest {

    @Test
    void shouldMoveTheMarkOnlyOverAnUnbrokenRunOfDonePositions() {
        LowWaterMark marks = new LowWaterMark(256, 1_000);
        marks.done(1_001);
        marks.done(1_002);
        assertThat(marks.advance()).isEqualTo(1_000);
        marks.done(1_000);
        assertThat(marks.advance()).isEqualTo(1_003);
    }

    @Test
    void shouldAgreeWithASortedSetForRandomOutOfOrderCompletionsAcrossManyWindowTurns() {
        Random random = new Random(42);
        LowWaterMark marks = new LowWaterMark(1024, 5);
        long assigned = 5;
        List<Long> outstanding = new ArrayList<>();
        java.util.TreeSet<Long> open = new java.util.TreeSet<>();
        for (int round = 0; round < 20_000; round++) {
            while (marks.hasRoomFor(assigned) && outstanding.size() < 900) {
                outstanding.add(assigned);
                open.add(assigned);
                assigned++;
            }
            Collections.shuffle(outstanding, random);
            int finish = 1 + random.nextInt(Math.min(50, outstanding.size()));
            for (int i = 0; i < finish; i++) {
                long p = outstanding.remove(outstanding.size() - 1);
                open.remove(p);
                marks.done(p);
            }
            long expected = open.isEmpty() ? assigned : open.first();
            assertThat(marks.advance()).isEqualTo(expected);
        }
        assertThat(assigned).as("the window was reused many times").isGreaterThan(100_000);
    }

    @Test
    void shouldRoundTripAnEventWithHeadersNullsAndNonAsciiText() {
        List<Header> headers = List.of(new RecordHeader("trace", "abc".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("naïve-ключ-🙂", null), new RecordHeader("empty", new byte[0]));
        byte[] key = "k-ü".getBytes(StandardCharsets.UTF_8);
        byte[] value = "{\"v\":\"€\"}".getBytes(StandardCharsets.UTF_8);
        int size = RecordFormat.recordSize("orders", key, value, headers);
        ByteBuffer out = ByteBuffer.allocate(size);
        int written = RecordFormat.encode(out, new CRC32C(), 77, 123_456L, "orders".getBytes(StandardCharsets.UTF_8),
                key, value, headers);
        assertThat(written).isEqualTo(size).isEqualTo(out.position());

        ByteBuffer payload = out.flip().slice(RecordFormat.HEADER_BYTES, size - RecordFormat.HEADER_BYTES);
        assertThat(RecordFormat.crcMatches(payload, out.getInt(4), new CRC32C())).isTrue();
        JournalRecord r = RecordFormat.decode(payload);
        assertThat(r.position()).isEqualTo(77);
        assertThat(r.journalledMillis()).isEqualTo(123_456L);
        assertThat(r.topic()).isEqualTo("orders");
        assertThat(r.key()).isEqualTo(key);
        assertThat(r.value()).isEqualTo(value);
        assertThat(r.headers()).hasSize(3);
        assertThat(r.headers().get(1).key()).isEqualTo("naïve-ключ-🙂");
        assertThat(r.headers().get(1).value()).isNull();
        assertThat(r.headers().get(2).value()).isEmpty();
    }

    @Test
    void shouldKeepNullKeyAndNullValueApartFromEmptyOnes() {
        for (byte[][] kv : new byte[][][] {{null, null}, {new byte[0], new byte[0]}}) {
            int size = RecordFormat.recordSize("t", kv[0], kv[1], null);
            ByteBuffer out = ByteBuffer.allocate(size);
            RecordFormat.encode(out, new CRC32C(), 0, 0, new byte[] {'t'}, kv[0], kv[1], null);
            JournalRecord r = RecordFormat.decode(out.flip().slice(8, size - 8));
            assertThat(r.key()).isEqualTo(kv[0]);
            assertThat(r.value()).isEqualTo(kv[1]);
            assertThat(r.headers()).isNull();
        }
    }

    @Test
    void shouldDetectAnyFlippedBitOfARecord() {
        byte[] value = new byte[100];
        new Random(1).nextBytes(value);
        int size = RecordFormat.recordSize("t", null, value, null);
        ByteBuffer clean = ByteBuffer.allocate(size);
        RecordFormat.encode(clean, new CRC32C(), 9, 1, new byte[] {'t'}, null, value, null);
        for (int bit = 8 * 8; bit < size * 8; bit++) { // every payload bit
            ByteBuffer damaged = ByteBuffer.wrap(clean.array().clone());
            damaged.put(bit / 8, (byte) (damaged.get(bit / 8) ^ (1 << (bit % 8))));
            ByteBuffer payload = damaged.slice(8, size - 8);
            assertThat(RecordFormat.crcMatches(payload, damaged.getInt(4), new CRC32C())).as("bit %d", bit).isFalse();
        }
    }

    @Test
    void shouldRefuseAnImpossibleConfiguration() {
        assertThatThrownBy(() -> JournalConfig.at(java.nio.file.Path.of("j")).segmentBytes(1024).validate())
                .hasMessageContaining("journal.segmentBytes=1024");
        assertThatThrownBy(() -> JournalConfig.at(java.nio.file.Path.of("j")).maxBytes(JournalConfig.DEFAULT_SEGMENT_BYTES).validate())
                .hasMessageContaining("journal.maxBytes").hasMessageContaining("4 x journal.segmentBytes");
    }
}
