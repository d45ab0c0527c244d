package io.clusterclient;

/**
 * How a method of the client type is carried to the process that holds the real client.
 *
 * <p>Immutable and thread-safe.
 */
public enum DelegateType {
  /** A call that waits for the leader's answer: its result, or the exception the real client threw. */
  INVOKE("invoke"),
  /** A call sent to the leader without waiting for, or receiving, any answer. */
  INVOKE_ONEWAY("invokeOneway"),
  /**
   * {@code subscribe(reg, listener)}: the leader subscribes upstream once per registration and pushes
   * every value to each subscribed process.
   */
  SUBSCRIBE("subscribe"),
  /** {@code unsubscribe(reg)} or {@code unsubscribe(reg, listener)}. */
  UNSUBSCRIBE("unSubscribe"),
  /** {@code publish(reg)}: a oneway call that each process remembers and replays on a new leader. */
  PUBLISH("publish"),
  /** Closes this instance; on the last instance of the leader, closes the real client. */
  CLOSE("close");

  private final String originalName;

  DelegateType(String originalName) {
    this.originalName = originalName;
  }

  /**
   * The name the original Node.js library gives this kind ({@code delegate(name, 'invokeOneway')}).
   *
   * @return the Node.js name of this kind
   */
  public String originalName() {
    return originalName;
  }

  /**
   * Whether this kind is carried to the leader as an {@code invoke} packet.
   *
   * @return true for {@link #INVOKE}, {@link #INVOKE_ONEWAY} and {@link #PUBLISH}
   */
  public boolean isInvoke() {
    return this == INVOKE || this == INVOKE_ONEWAY || this == PUBLISH;
  }
}
