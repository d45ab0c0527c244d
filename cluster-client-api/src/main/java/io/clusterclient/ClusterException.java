package io.clusterclient;

/**
 * The root of every exception cluster-client throws. Unchecked; catch a subclass to handle one cause.
 *
 * <p>Thread-safe to read once thrown: its fields are final.
 */
public class ClusterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what happened and, where there is one, what to change
   */
  public ClusterException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what happened and, where there is one, what to change
   * @param cause the underlying failure
   */
  public ClusterException(String message, Throwable cause) {
    super(message, cause);
  }
}
