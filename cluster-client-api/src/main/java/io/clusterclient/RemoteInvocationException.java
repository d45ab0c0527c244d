package io.clusterclient;

/**
 * The real client threw while serving a call on the leader. Keeps what the leader reported: the remote
 * exception's class name, message, {@code code} where it had one, and its stack trace, which is also
 * attached as the cause so that logs show where the leader failed.
 *
 * <p>A checked exception that the called method declares is rethrown as itself instead, with this
 * exception as its cause.
 *
 * <p>Thread-safe to read once thrown: its fields are final.
 */
public class RemoteInvocationException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /** The remote class (Java) or error name (Node.js). */
  private final String remoteClassName;
  /** The remote exception's message. */
  private final String remoteMessage;
  /** The remote error code. */
  private final String code;
  /** The remote stack trace as text. */
  private final String remoteStackTrace;

  /**
   * Creates an exception.
   *
   * @param message the summary: method, leader, remote class and message
   * @param remoteClassName the class name (Java) or error name (Node.js) of the remote exception
   * @param remoteMessage the remote exception's message, or null
   * @param code the remote error code, or null
   * @param remoteStackTrace the remote stack trace as text, or null
   */
  public RemoteInvocationException(
      String message,
      String remoteClassName,
      String remoteMessage,
      String code,
      String remoteStackTrace) {
    super(message);
    this.remoteClassName = remoteClassName;
    this.remoteMessage = remoteMessage;
    this.code = code;
    this.remoteStackTrace = remoteStackTrace;
  }

  /**
   * The remote exception's class name (a Java leader) or error name (a Node.js leader).
   *
   * @return the remote class name, never null
   */
  public String remoteClassName() {
    return remoteClassName;
  }

  /**
   * The remote exception's own message.
   *
   * @return the message, or null
   */
  public String remoteMessage() {
    return remoteMessage;
  }

  /**
   * The remote error code: a Node.js {@code err.code}, or what a Java exception's {@code getCode()} or
   * {@code code()} returned.
   *
   * @return the code, or null when there was none
   */
  public String code() {
    return code;
  }

  /**
   * The remote stack trace as the leader printed it.
   *
   * @return the stack trace text, or null
   */
  public String remoteStackTrace() {
    return remoteStackTrace;
  }
}
