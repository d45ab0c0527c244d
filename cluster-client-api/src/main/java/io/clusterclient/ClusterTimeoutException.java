package io.clusterclient;

import java.time.Duration;

/**
 * No answer came in time: a call's response timeout, or {@code maxWaitTime} while waiting for a
 * leader. The message names the method (or the step), the leader and the timeout.
 *
 * <p>Thread-safe to read once thrown: its fields are final.
 */
public class ClusterTimeoutException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /** The limit that was reached. */
  private final Duration timeout;

  /**
   * Creates an exception.
   *
   * @param message what timed out, where, and which option sets the limit
   * @param timeout the limit that was reached
   */
  public ClusterTimeoutException(String message, Duration timeout) {
    super(message);
    this.timeout = timeout;
  }

  /**
   * The limit that was reached.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }
}
