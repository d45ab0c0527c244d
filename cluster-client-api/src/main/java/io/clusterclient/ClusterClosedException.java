package io.clusterclient;

/**
 * A call was made on an instance after {@link ClusterHandle#close()}.
 *
 * <p>Thread-safe to read once thrown: its fields are final.
 */
public class ClusterClosedException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message which instance was closed
   */
  public ClusterClosedException(String message) {
    super(message);
  }
}
