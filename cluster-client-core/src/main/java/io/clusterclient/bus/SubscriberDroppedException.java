package io.clusterclient.bus;

/** A subscription was closed because it fell too far behind; resume with {@code From.id(lastId())}. */
public class SubscriberDroppedException extends BusException {
  private static final long serialVersionUID = 1L;
  private final long lastId;

  /**
   * @param message why
   * @param lastId the id of the last message delivered
   */
  public SubscriberDroppedException(String message, long lastId) {
    super(message);
    this.lastId = lastId;
  }

  /** @return the id of the last message delivered before the drop ({@code -1}: none) */
  public long lastId() {
    return lastId;
  }
}
