package dev.eventpublisher.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Two configurations measured in alternating rounds (A, B, A, B…), so that a noisy spell of a shared machine
 * falls on both rather than on whichever ran second. Each round gives a ratio B/A; the comparison is their
 * median, with the spread of the ratios beside it so a reader sees how sure it is. On the 2-core machines the
 * ratio of two single back-to-back runs of the same code swung by ±0.15–0.25; one round is not evidence.
 */
record Paired(List<Double> a, List<Double> b, List<Double> ratios, double medianA, double medianB, double medianRatio,
              double minRatio, double maxRatio) {

    /** One measurement of one configuration (higher is better). */
    interface Measure {
        double run() throws Exception;
    }

    static Paired measure(int rounds, Measure a, Measure b) throws Exception {
        List<Double> as = new ArrayList<>();
        List<Double> bs = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            // Alternate which side goes first as well, so neither is always the one measured after the other.
            if (r % 2 == 0) {
                as.add(a.run());
                bs.add(b.run());
            } else {
                bs.add(b.run());
                as.add(a.run());
            }
        }
        return of(as, bs);
    }

    static Paired of(List<Double> a, List<Double> b) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            ratios.add(b.get(i) / a.get(i));
        }
        return new Paired(List.copyOf(a), List.copyOf(b), ratios, median(a), median(b), median(ratios),
                ratios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
                ratios.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
