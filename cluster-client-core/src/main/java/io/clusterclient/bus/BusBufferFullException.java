package io.clusterclient.bus;

/**
 * A publish found the bus's outgoing buffer full: the leader has not accepted the earlier publishes
 * (none is elected, or it is slow). The publish was not sent; try again later.
 */
public class BusBufferFullException extends BusException {
  private static final long serialVersionUID = 1L;

  /** @param message what is full */
  public BusBufferFullException(String message) {
    super(message);
  }
}
