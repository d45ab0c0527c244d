package io.clusterclient.bus;

import io.clusterclient.ClusterException;

/** The root of the bus's own failures. */
public class BusException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /** @param message what happened */
  public BusException(String message) {
    super(message);
  }

  /**
   * @param message what happened
   * @param cause the cause
   */
  public BusException(String message, Throwable cause) {
    super(message, cause);
  }
}
