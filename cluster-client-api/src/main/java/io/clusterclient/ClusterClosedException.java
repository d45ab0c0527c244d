package io.clusterclient;

/** A call was made on an instance after {@link ClusterHandle#close()}. */
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
