package io.clusterclient;

/**
 * A method of the client type was called that is not delegated. The proxy cannot run it: the real
 * client lives in the leader process only. Delegate it with {@link ClusterClientBuilder#delegate} or
 * {@link Delegate}, or give it a value with {@link ClusterClientBuilder#override}.
 *
 * <p>Thread-safe to read once thrown: its fields are final.
 */
public class NotDelegatedException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message the method and how to delegate it
   */
  public NotDelegatedException(String message) {
    super(message);
  }
}
