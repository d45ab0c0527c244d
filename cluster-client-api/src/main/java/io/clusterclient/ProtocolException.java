package io.clusterclient;

/**
 * A peer sent something that is not the cluster-client packet protocol: a bad header, a length over the
 * limit, malformed JSON. The connection to that peer is closed; other connections are not affected.
 *
 * <p>Thread-safe to read once thrown: its fields are final.
 */
public class ProtocolException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what was wrong with the input
   */
  public ProtocolException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param message what was wrong with the input
   * @param cause the underlying failure
   */
  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
