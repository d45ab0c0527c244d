package io.clusterclient;

/**
 * The builder or the options describe something that cannot work: a delegated method that does not
 * exist, a final method that cannot be intercepted, an option value that does not parse, a port that
 * another program holds when {@code leader(true)} was asked for.
 *
 * <p>Thread-safe to read once thrown: its fields are final.
 */
public class ClusterConfigurationException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what is wrong and how to fix it
   */
  public ClusterConfigurationException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param message what is wrong and how to fix it
   * @param cause the underlying failure
   */
  public ClusterConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
