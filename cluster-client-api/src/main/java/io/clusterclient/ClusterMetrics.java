package io.clusterclient;

/**
 * Counters of one shared client in this process, since it was created. An immutable snapshot; get a
 * fresh one from {@link ClusterHandle#metrics()}.
 */
public final class ClusterMetrics {
  private final long succeeded;
  private final long failed;
  private final long retried;
  private final long elections;
  private final long inFlight;
  private final java.util.Map<String, Long> failedByKind;
  private final java.util.Map<String, Latency> latency;
  private final long failovers;
  private final java.time.Duration lastFailoverGap;
  private final java.time.Duration maxFailoverGap;

  /**
   * The latency of one delegated method's calls in this process, as their callers saw it (waiting
   * for a leader, the round trip, a retry): from a histogram with three significant digits.
   *
   * @param count calls measured
   * @param p50Micros the median, in microseconds
   * @param p99Micros the 99th percentile, in microseconds
   * @param maxMicros the longest, in microseconds
   */
  public record Latency(long count, long p50Micros, long p99Micros, long maxMicros) {}

  /**
   * Creates a snapshot.
   *
   * @param succeeded calls that returned a result
   * @param failed calls that ended with an exception, the real client's own included
   * @param retried idempotent calls sent again to a new leader
   * @param elections elections this process took part in, the first included
   */
  public ClusterMetrics(long succeeded, long failed, long retried, long elections) {
    this(succeeded, failed, retried, elections, 0, java.util.Map.of(), java.util.Map.of(), 0, null, null);
  }

  /**
   * Creates a snapshot with every meter.
   *
   * @param succeeded calls that returned a result
   * @param failed calls that ended with an exception, the real client's own included
   * @param retried idempotent calls sent again to a new leader
   * @param elections elections this process took part in, the first included
   * @param inFlight calls made and not yet ended
   * @param failedByKind failed calls by kind (see {@link #failedByKind()})
   * @param latency latency by delegated method ({@code Type.method(Param)})
   * @param failovers leaders lost and replaced while this process was connected
   * @param lastFailoverGap the last one's time from the loss to leading or following again; null if none
   * @param maxFailoverGap the longest such time; null if none
   */
  public ClusterMetrics(
      long succeeded,
      long failed,
      long retried,
      long elections,
      long inFlight,
      java.util.Map<String, Long> failedByKind,
      java.util.Map<String, Latency> latency,
      long failovers,
      java.time.Duration lastFailoverGap,
      java.time.Duration maxFailoverGap) {
    this.succeeded = succeeded;
    this.failed = failed;
    this.retried = retried;
    this.elections = elections;
    this.inFlight = inFlight;
    this.failedByKind = java.util.Map.copyOf(failedByKind);
    this.latency = java.util.Map.copyOf(latency);
    this.failovers = failovers;
    this.lastFailoverGap = lastFailoverGap;
    this.maxFailoverGap = maxFailoverGap;
  }

  /** @return calls made in this process and not yet ended */
  public long inFlight() {
    return inFlight;
  }

  /**
   * Failed calls by kind: {@code timeout}, {@code leaderLost}, {@code unresponsive}, {@code
   * remote} (the real client threw), {@code codec}, {@code tooLarge}, {@code closed}, {@code
   * security}, {@code other}.
   *
   * @return counts of the kinds that happened
   */
  public java.util.Map<String, Long> failedByKind() {
    return failedByKind;
  }

  /** @return the latency of each delegated method called in this process, by {@code Type.method(Param)} */
  public java.util.Map<String, Latency> latency() {
    return latency;
  }

  /** @return how many times the leader was lost and this process led or followed again */
  public long failovers() {
    return failovers;
  }

  /** @return the last failover's gap, from the loss to leading or following again */
  public java.util.Optional<java.time.Duration> lastFailoverGap() {
    return java.util.Optional.ofNullable(lastFailoverGap);
  }

  /** @return the longest failover gap */
  public java.util.Optional<java.time.Duration> maxFailoverGap() {
    return java.util.Optional.ofNullable(maxFailoverGap);
  }

  /** @return calls that returned a result */
  public long succeeded() {
    return succeeded;
  }

  /** @return calls that ended with an exception, the real client's own included */
  public long failed() {
    return failed;
  }

  /** @return idempotent calls sent again to a new leader after the old one was lost */
  public long retried() {
    return retried;
  }

  /** @return elections this process took part in, the first included */
  public long elections() {
    return elections;
  }

  @Override
  public String toString() {
    return "ClusterMetrics{succeeded=" + succeeded + ", failed=" + failed + ", retried=" + retried
        + ", elections=" + elections + ", inFlight=" + inFlight + ", failedByKind=" + failedByKind
        + ", failovers=" + failovers + ", maxFailoverGap=" + maxFailoverGap + ", latency=" + latency + "}";
  }
}
