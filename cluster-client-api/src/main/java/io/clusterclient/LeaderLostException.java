package io.clusterclient;

/**
 * The connection to the leader closed while a call was in flight. The call may or may not have run on
 * the leader: retry it only if it is idempotent.
 *
 * <p>Thread-safe to read once thrown: its fields are final.
 */
public class LeaderLostException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message which call was lost, and on which leader
   * @param cause why the connection closed, or null
   */
  public LeaderLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
