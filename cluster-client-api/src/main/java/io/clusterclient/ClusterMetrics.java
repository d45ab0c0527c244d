package io.clusterclient;

/**
 * Counters of one shared client in this process, since it was created. An immutable snapshot; get a
 * fresh one from {@link ClusterHandle#metrics()}. Thread-safe (immutable); its {@link Builder} is
 * not.
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
  private final long queued;
  private final long queuedTotal;
  private final long bytesIn;
  private final long bytesOut;
  private final long pushesSent;
  private final long pushesDelivered;
  private final long followersDropped;
  private final long callsServed;

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
    this.queued = 0;
    this.queuedTotal = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.pushesSent = 0;
    this.pushesDelivered = 0;
    this.followersDropped = 0;
    this.callsServed = 0;
  }

  private ClusterMetrics(Builder b) {
    this.succeeded = b.succeeded;
    this.failed = b.failed;
    this.retried = b.retried;
    this.elections = b.elections;
    this.inFlight = b.inFlight;
    this.failedByKind = java.util.Map.copyOf(b.failedByKind);
    this.latency = java.util.Map.copyOf(b.latency);
    this.failovers = b.failovers;
    this.lastFailoverGap = b.lastFailoverGap;
    this.maxFailoverGap = b.maxFailoverGap;
    this.queued = b.queued;
    this.queuedTotal = b.queuedTotal;
    this.bytesIn = b.bytesIn;
    this.bytesOut = b.bytesOut;
    this.pushesSent = b.pushesSent;
    this.pushesDelivered = b.pushesDelivered;
    this.followersDropped = b.followersDropped;
    this.callsServed = b.callsServed;
  }

  /**
   * A builder of snapshots, for implementations of {@link ClusterHandle} and for tests; every meter
   * starts at zero (and the gaps at none).
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link ClusterMetrics}. Not thread-safe; {@link #build()} copies what it holds. */
  public static final class Builder {
    private long succeeded;
    private long failed;
    private long retried;
    private long elections;
    private long inFlight;
    private java.util.Map<String, Long> failedByKind = java.util.Map.of();
    private java.util.Map<String, Latency> latency = java.util.Map.of();
    private long failovers;
    private java.time.Duration lastFailoverGap;
    private java.time.Duration maxFailoverGap;
    private long queued;
    private long queuedTotal;
    private long bytesIn;
    private long bytesOut;
    private long pushesSent;
    private long pushesDelivered;
    private long followersDropped;
    private long callsServed;

    private Builder() {}

    /**
     * @param n calls that returned a result
     * @return this builder
     */
    public Builder succeeded(long n) {
      this.succeeded = n;
      return this;
    }

    /**
     * @param n calls that ended with an exception
     * @return this builder
     */
    public Builder failed(long n) {
      this.failed = n;
      return this;
    }

    /**
     * @param n idempotent calls sent again to a new leader
     * @return this builder
     */
    public Builder retried(long n) {
      this.retried = n;
      return this;
    }

    /**
     * @param n elections this process took part in
     * @return this builder
     */
    public Builder elections(long n) {
      this.elections = n;
      return this;
    }

    /**
     * @param n calls made and not yet ended
     * @return this builder
     */
    public Builder inFlight(long n) {
      this.inFlight = n;
      return this;
    }

    /**
     * @param byKind failed calls by kind
     * @return this builder
     */
    public Builder failedByKind(java.util.Map<String, Long> byKind) {
      this.failedByKind = java.util.Objects.requireNonNull(byKind, "byKind");
      return this;
    }

    /**
     * @param byMethod latency by delegated method
     * @return this builder
     */
    public Builder latency(java.util.Map<String, Latency> byMethod) {
      this.latency = java.util.Objects.requireNonNull(byMethod, "byMethod");
      return this;
    }

    /**
     * @param n failovers
     * @param lastGap the last one's gap, or null if none
     * @param maxGap the longest gap, or null if none
     * @return this builder
     */
    public Builder failovers(long n, java.time.Duration lastGap, java.time.Duration maxGap) {
      this.failovers = n;
      this.lastFailoverGap = lastGap;
      this.maxFailoverGap = maxGap;
      return this;
    }

    /**
     * @param now calls waiting for a leader now
     * @param total calls that have waited for a leader
     * @return this builder
     */
    public Builder queued(long now, long total) {
      this.queued = now;
      this.queuedTotal = total;
      return this;
    }

    /**
     * @param in bytes of packets read
     * @param out bytes of packets written
     * @return this builder
     */
    public Builder bytes(long in, long out) {
      this.bytesIn = in;
      this.bytesOut = out;
      return this;
    }

    /**
     * @param sent values the leader wrote to followers
     * @param delivered values handed to this process's listeners
     * @return this builder
     */
    public Builder pushes(long sent, long delivered) {
      this.pushesSent = sent;
      this.pushesDelivered = delivered;
      return this;
    }

    /**
     * @param n followers' connections the leader closed
     * @return this builder
     */
    public Builder followersDropped(long n) {
      this.followersDropped = n;
      return this;
    }

    /**
     * @param n followers' calls the leader in this process served
     * @return this builder
     */
    public Builder callsServed(long n) {
      this.callsServed = n;
      return this;
    }

    /** @return the snapshot */
    public ClusterMetrics build() {
      return new ClusterMetrics(this);
    }
  }

  /**
   * Calls waiting now for a leader: made while no leader was live (an election under way), held
   * until one is, within responseTimeout.
   *
   * @return calls waiting for a leader now
   */
  public long queued() {
    return queued;
  }

  /** @return calls that had to wait for a leader, since the client was created */
  public long queuedTotal() {
    return queuedTotal;
  }

  /**
   * Bytes of the packets this client's connections read, headers included: a follower's from its
   * leader; on the leader, from its followers. What a connection reads before it is registered to
   * a client (its registration, a peer refused, a status request) counts for the client whose
   * leader opened the port.
   *
   * @return bytes read
   */
  public long bytesIn() {
    return bytesIn;
  }

  /** @return bytes of the packets this client's connections wrote, headers included (see {@link #bytesIn()}) */
  public long bytesOut() {
    return bytesOut;
  }

  /**
   * Values the leader wrote to followers for their subscriptions: one per follower per value (with
   * {@code broadcast(false)}, one per value). Zero in a process that never led.
   *
   * @return pushes sent to followers
   */
  public long pushesSent() {
    return pushesSent;
  }

  /** @return values handed to this process's listeners: one per listener per value */
  public long pushesDelivered() {
    return pushesDelivered;
  }

  /**
   * Connections the leader in this process closed on its own: a slow consumer past its buffer
   * limit, a peer that broke the protocol or stayed silent past 3 heartbeat intervals, a peer
   * refused by the secret's proof.
   *
   * @return followers dropped
   */
  public long followersDropped() {
    return followersDropped;
  }

  /**
   * Calls of followers that the leader in this process read to run on its real client, oneway
   * calls and publishes included; this process's own calls are in {@link #succeeded()} and {@link
   * #failed()}. Zero in a process that never led.
   *
   * @return followers' calls served
   */
  public long callsServed() {
    return callsServed;
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
        + ", failovers=" + failovers + ", maxFailoverGap=" + maxFailoverGap + ", queued=" + queued
        + ", queuedTotal=" + queuedTotal + ", bytesIn=" + bytesIn + ", bytesOut=" + bytesOut
        + ", pushesSent=" + pushesSent + ", pushesDelivered=" + pushesDelivered
        + ", followersDropped=" + followersDropped + ", callsServed=" + callsServed + ", latency=" + latency + "}";
  }
}
