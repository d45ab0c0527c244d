package io.clusterclient.internal.session;

import io.clusterclient.LeaderLostException;

/**
 * A call that never left this process: its backend was retired (the leader is handing over) before
 * the call was written. Sending it again is safe whatever its kind, idempotent or not, and the
 * session does so, within the call's deadline.
 */
public final class NotSentException extends LeaderLostException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was not sent, and why
   */
  public NotSentException(String message) {
    super(message, null);
  }
}
