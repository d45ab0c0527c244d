package io.clusterclient;

/**
 * A call's arguments, or its result, would make a packet larger than {@code maxFrameLength}, which
 * every process rejects. Only that call fails, before anything was sent: when its arguments were
 * too large, it never ran; when its result was, the real client ran and the result was not sent.
 * The connection and every other call are untouched. The message names the size and the limit.
 *
 * <p>Send less per call, or raise {@link ClusterOptions.Builder#maxFrameLength} in every process
 * of the cluster.
 */
public class MessageTooLargeException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what was too large, its size and the limit
   */
  public MessageTooLargeException(String message) {
    super(message);
  }
}
