package io.clusterclient.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition with a deadline, for code that cannot use Awaitility (for example code that runs
 * inside a child JVM whose classpath should stay small, or fixture internals).
 *
 * <pre>{@code
 * Deadline.await("the log to show an [err] line", Duration.ofSeconds(10),
 *     () -> child.logTail(100).contains("[err] "));
 * }</pre>
 *
 * <p>Thread-safe: it has no state; the condition runs on the calling thread.
 */
public final class Deadline {
  private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private Deadline() {}

  /**
   * Evaluates {@code condition} on the calling thread until it is true, parking about 10 ms between tries.
   * The condition is evaluated at least once, even with a zero timeout.
   *
   * @param what describes the condition for the failure message, e.g. "the leader to accept followers"
   * @param timeout how long to keep trying
   * @param condition the condition to wait for
   * @throws AssertionError "timed out after X waiting for what" if the condition stays false; also if the
   *     thread is interrupted, in which case the interrupt flag stays set
   */
  public static void await(String what, Duration timeout, BooleanSupplier condition) {
    Objects.requireNonNull(what, "what");
    Objects.requireNonNull(condition, "condition");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new AssertionError("timed out after " + describe(timeout) + " waiting for " + what);
      }
      // parkNanos returns at once while the flag is set, so without this check an interrupted caller
      // would spin on the condition until the deadline instead of stopping.
      if (Thread.currentThread().isInterrupted()) {
        throw new AssertionError("interrupted while waiting for " + what);
      }
      Thread.onSpinWait();
      LockSupport.parkNanos(Math.min(PARK_NANOS, remaining));
    }
  }

  /** Formats a duration for failure messages: "300 ms", "5 s", "1.5 s". */
  static String describe(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + " s";
    }
    return millis / 1000.0 + " s";
  }
}
