package io.clusterclient.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One measured quantity of one implementation: the median of its runs, with their min and max.
 * Immutable.
 *
 * @param median the median of the samples
 * @param min the smallest sample
 * @param max the largest sample
 * @param samples every sample, in the order measured
 */
record Figure(double median, double min, double max, List<Double> samples) {
  static Figure of(List<Double> samples) {
    if (samples.isEmpty()) {
      throw new BenchmarkException("no sample");
    }
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int n = sorted.size();
    double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return new Figure(median, sorted.get(0), sorted.get(n - 1), List.copyOf(samples));
  }

  /** A figure that is one value (a total, or a percentile over all rounds). */
  static Figure single(double value) {
    return new Figure(value, value, value, List.of(value));
  }

  /** The nearest-rank percentile of samples. */
  static double percentile(List<Double> samples, double p) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
