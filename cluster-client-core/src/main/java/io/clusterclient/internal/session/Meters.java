package io.clusterclient.internal.session;

import io.clusterclient.ClusterClosedException;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.ClusterMetrics;
import io.clusterclient.ClusterSecurityException;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.LeaderLostException;
import io.clusterclient.LeaderUnresponsiveException;
import io.clusterclient.MessageTooLargeException;
import io.clusterclient.RemoteInvocationException;
import io.clusterclient.internal.proxy.MethodInfo;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The meters of one session: calls that succeeded and failed, call latency per delegated method (HdrHistogram {@link Recorder}s,
 * lock-free on the calling threads, folded into cumulative histograms only when a snapshot is
 * asked for), calls in flight, failures by kind, failover gaps, and calls queued for a leader
 * (counted only on the slow path, where a call waits for an election). Thread-safe.
 */
final class Meters {
  /**
   * Off only to measure what the call meters cost ({@code -Dclusterclient.internal.meters=false},
   * which the benchmark's {@code --no-meters} sets): calls are then neither timed nor counted.
   */
  static final boolean ON = !"false".equals(System.getProperty("clusterclient.internal.meters"));

  /** Up to an hour, three significant digits: a few tens of KiB per method. */
  private static final long MAX_NANOS = TimeUnit.HOURS.toNanos(1);

  private final Map<MethodInfo, MethodLatency> latency = new ConcurrentHashMap<>();
  private final LongAdder inFlight = new LongAdder(); // an adder: callers of many threads, no contention
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final Map<String, LongAdder> failedByKind = new ConcurrentHashMap<>();
  private final AtomicLong failovers = new AtomicLong();
  private volatile long lastGapNanos = -1;
  private final AtomicLong maxGapNanos = new AtomicLong(-1);
  private final LongAdder queued = new LongAdder();
  private final LongAdder queuedTotal = new LongAdder();

  private static final class MethodLatency {
    final Recorder recorder = new Recorder(MAX_NANOS, 3);
    final Histogram total = new Histogram(MAX_NANOS, 3); // guarded by itself
    Histogram interval; // guarded by total
  }

  /**
   * A call starts.
   *
   * @return its start, for {@link #end}
   */
  long start() {
    if (!ON) {
      return 0;
    }
    inFlight.increment();
    return System.nanoTime();
  }

  /**
   * A call ends.
   *
   * @param info the method
   * @param start what {@link #start} returned
   * @param error its failure, or null
   */
  void end(MethodInfo info, long start, Throwable error) {
    if (!ON) {
      return;
    }
    long elapsed = System.nanoTime() - start;
    inFlight.decrement();
    latency.computeIfAbsent(info, i -> new MethodLatency()).recorder.recordValue(Math.min(Math.max(elapsed, 0), MAX_NANOS));
    if (error == null) {
      succeeded.increment();
    } else {
      failed.increment();
      failedByKind.computeIfAbsent(kindOf(error), k -> new LongAdder()).increment();
    }
  }

  /** Failure kinds, the first whose type matches wins. */
  private static final java.util.List<Map.Entry<Class<? extends Throwable>, String>> KINDS =
      java.util.List.of(
          Map.entry(ClusterTimeoutException.class, "timeout"),
          Map.entry(LeaderLostException.class, "leaderLost"),
          Map.entry(LeaderUnresponsiveException.class, "unresponsive"),
          Map.entry(ClusterCodecException.class, "codec"),
          Map.entry(MessageTooLargeException.class, "tooLarge"),
          Map.entry(ClusterClosedException.class, "closed"),
          Map.entry(ClusterSecurityException.class, "security"),
          Map.entry(RemoteInvocationException.class, "remote"));

  private static String kindOf(Throwable t) {
    for (Map.Entry<Class<? extends Throwable>, String> kind : KINDS) {
      if (kind.getKey().isInstance(t)) {
        return kind.getValue();
      }
    }
    // Not the library's: the real client threw it (a declared exception is rethrown as itself).
    return t instanceof io.clusterclient.ClusterException ? "other" : "remote";
  }

  /**
   * The leader was lost and, {@code gapNanos} later, this process leads or follows again.
   *
   * @param gapNanos the gap
   */
  void failover(long gapNanos) {
    failovers.incrementAndGet();
    lastGapNanos = gapNanos;
    maxGapNanos.accumulateAndGet(gapNanos, Math::max);
  }

  /** A call starts to wait for a leader. */
  void queued() {
    queued.increment();
    queuedTotal.increment();
  }

  /** A call that waited for a leader stops waiting: one came, or the wait failed. */
  void dequeued() {
    queued.decrement();
  }

  ClusterMetrics snapshot(long retried, long elections, Traffic traffic, long delivered) {
    Map<String, ClusterMetrics.Latency> byMethod = new TreeMap<>();
    for (Map.Entry<MethodInfo, MethodLatency> e : latency.entrySet()) {
      MethodLatency m = e.getValue();
      synchronized (m.total) {
        m.interval = m.recorder.getIntervalHistogram(m.interval);
        m.total.add(m.interval);
        byMethod.put(
            e.getKey().description(),
            new ClusterMetrics.Latency(
                m.total.getTotalCount(),
                micros(m.total.getValueAtPercentile(50)),
                micros(m.total.getValueAtPercentile(99)),
                micros(m.total.getMaxValue())));
      }
    }
    Map<String, Long> kinds = new TreeMap<>();
    failedByKind.forEach((k, v) -> kinds.put(k, v.sum()));
    long last = lastGapNanos;
    long max = maxGapNanos.get();
    return ClusterMetrics.builder()
        .succeeded(succeeded.sum())
        .failed(failed.sum())
        .retried(retried)
        .elections(elections)
        .inFlight(Math.max(0, inFlight.sum()))
        .failedByKind(kinds)
        .latency(byMethod)
        .failovers(failovers.get(), last < 0 ? null : Duration.ofNanos(last), max < 0 ? null : Duration.ofNanos(max))
        .queued(Math.max(0, queued.sum()), queuedTotal.sum())
        .bytes(traffic.bytesIn(), traffic.bytesOut())
        .pushes(traffic.pushesSent(), delivered)
        .followersDropped(traffic.followersDropped())
        .callsServed(traffic.callsServed())
        .build();
  }

  private static long micros(long nanos) {
    return TimeUnit.NANOSECONDS.toMicros(nanos);
  }
}
