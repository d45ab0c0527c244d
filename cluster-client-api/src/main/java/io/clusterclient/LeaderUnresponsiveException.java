package io.clusterclient;

/**
 * The port is held by a process that accepts connections but does not answer: a leader that is
 * stopped (SIGSTOP, a debugger) or hung. No new leader can be elected while it holds the port, so calls
 * fail fast with this exception instead of waiting out their timeouts. The cluster recovers on its own
 * when that process wakes up or dies.
 *
 * <p>Thread-safe to read once thrown: its fields are final.
 */
public class LeaderUnresponsiveException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message which port and process, since when, and what to check
   */
  public LeaderUnresponsiveException(String message) {
    super(message);
  }
}
