package dev.eventpublisher.metrics;

import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A Dropwizard {@link Reservoir} backed by HdrHistogram recorders: recording is wait-free and
 * allocation-free (it runs once per event on Kafka's I/O thread), and snapshots keep every value's
 * magnitude (2 significant digits) instead of a random sample. A snapshot covers the values recorded
 * in the current window, which restarts every {@code windowSeconds}.
 *
 * <p>The first thread to record owns a {@link SingleWriterRecorder} (plain counts, two uncontended
 * atomics per value); any other thread records into a shared concurrent {@link Recorder}. With the
 * Kafka sender every acknowledgement comes from the producer's one I/O thread, so the cheap path is
 * the one taken.
 */
public final class HdrHistogramReservoir implements Reservoir {
    private static final long HIGHEST_TRACKABLE = TimeUnit.HOURS.toNanos(1);
    private static final int QUANTILES_IN_VALUES = 1000;
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(HdrHistogramReservoir.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SingleWriterRecorder ownerRecorder = new SingleWriterRecorder(HIGHEST_TRACKABLE, 2);
    private final Recorder recorder = new Recorder(HIGHEST_TRACKABLE, 2);
    @SuppressWarnings("unused") // set once through OWNER
    private volatile Thread owner;
    private final long windowNanos;
    /** Guarded by this: the window's values, and a recycled interval histogram. */
    private Histogram window = new Histogram(HIGHEST_TRACKABLE, 2);
    private Histogram interval;
    private Histogram ownerInterval;
    private long windowStart = System.nanoTime();

    public HdrHistogramReservoir(long windowSeconds) {
        this.windowNanos = TimeUnit.SECONDS.toNanos(windowSeconds);
    }

    @Override
    public void update(long value) {
        long v = Math.max(0, Math.min(value, HIGHEST_TRACKABLE));
        Thread current = Thread.currentThread();
        Thread recordingOwner = owner;
        if (recordingOwner == current || (recordingOwner == null && OWNER.compareAndSet(this, null, current))) {
            ownerRecorder.recordValue(v);
        } else {
            recorder.recordValue(v);
        }
    }

    @Override
    public int size() {
        return getSnapshot().size();
    }

    @Override
    public synchronized Snapshot getSnapshot() {
        interval = recorder.getIntervalHistogram(interval);
        ownerInterval = ownerRecorder.getIntervalHistogram(ownerInterval);
        long now = System.nanoTime();
        if (now - windowStart > windowNanos) {
            window.reset();
            windowStart = now;
        }
        window.add(interval);
        window.add(ownerInterval);
        return new HdrSnapshot(window.copy());
    }

    /** A frozen copy of the window. */
    private static final class HdrSnapshot extends Snapshot {
        private final Histogram histogram;

        HdrSnapshot(Histogram histogram) {
            this.histogram = histogram;
        }

        @Override
        public double getValue(double quantile) {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(quantile * 100);
        }

        /** The distribution as 1,000 evenly spaced quantiles (the full list of values could be millions long). */
        @Override
        public long[] getValues() {
            if (histogram.getTotalCount() == 0) {
                return new long[0];
            }
            long[] values = new long[QUANTILES_IN_VALUES];
            for (int i = 0; i < values.length; i++) {
                values[i] = histogram.getValueAtPercentile(100.0 * i / (values.length - 1));
            }
            return values;
        }

        @Override
        public int size() {
            return (int) Math.min(Integer.MAX_VALUE, histogram.getTotalCount());
        }

        @Override
        public long getMax() {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue();
        }

        @Override
        public double getMean() {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getMean();
        }

        @Override
        public long getMin() {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getMinValue();
        }

        @Override
        public double getStdDev() {
            return histogram.getTotalCount() == 0 ? 0 : histogram.getStdDeviation();
        }

        @Override
        public void dump(OutputStream output) {
            try (PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(output, StandardCharsets.UTF_8))) {
                for (long v : getValues()) {
                    out.println(v);
                }
            }
        }
    }
}
