package dev.eventpublisher.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.CompletableFuture;

import com.codahale.metrics.Snapshot;
import org.junit.jupiter.api.Test;

/** The latency reservoir: exact magnitudes (2 significant digits), from the owning and from other threads. */
class HdrHistogramReservoirTest {

    @Test
    void shouldReportPercentilesOfEveryRecordedValue() {
        HdrHistogramReservoir reservoir = new HdrHistogramReservoir(60);
        for (long v = 1; v <= 10_000; v++) {
            reservoir.update(v * 1_000);
        }
        Snapshot s = reservoir.getSnapshot();

        assertThat(s.size()).isEqualTo(10_000);
        assertThat(s.getMedian()).isCloseTo(5_000_000, within(5_000_000 * 0.01));
        assertThat(s.get99thPercentile()).isCloseTo(9_900_000, within(9_900_000 * 0.01));
        assertThat(s.getMax()).isCloseTo(10_000_000L, within(100_000L));
        assertThat(s.getMin()).isCloseTo(1_000L, within(10L));
        assertThat(s.getValues()).hasSize(1000);
    }

    @Test
    void shouldCountValuesFromAnyThreadAndKeepTheWindowAcrossSnapshots() throws Exception {
        HdrHistogramReservoir reservoir = new HdrHistogramReservoir(60);
        reservoir.update(100);                                                        // this thread owns it
        CompletableFuture.runAsync(() -> reservoir.update(200)).get();                // another thread
        assertThat(reservoir.getSnapshot().size()).isEqualTo(2);

        reservoir.update(300);
        assertThat(reservoir.getSnapshot().size()).as("the window keeps earlier values").isEqualTo(3);
        assertThat(reservoir.getSnapshot().getMax()).isCloseTo(300L, within(3L));
    }

    @Test
    void shouldClampValuesOutsideTheTrackableRange() {
        HdrHistogramReservoir reservoir = new HdrHistogramReservoir(60);
        reservoir.update(-5);
        reservoir.update(Long.MAX_VALUE);
        Snapshot s = reservoir.getSnapshot();
        assertThat(s.size()).isEqualTo(2);
        assertThat(s.getMin()).isZero();
    }
}
