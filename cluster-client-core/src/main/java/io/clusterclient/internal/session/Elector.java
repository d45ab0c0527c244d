package io.clusterclient.internal.session;

import java.util.concurrent.CompletableFuture;

/**
 * How a session competes for its port: the one way out of the state machine to sockets and real
 * clients. Nothing here blocks: each attempt completes a future, and the machine takes the result
 * as an event of the epoch that asked. The runtime implements it with Netty; the simulation tests
 * with a model of a host.
 */
public interface Elector {
  /**
   * Tries to lead: binds the port (or joins this runtime's server on it), then creates the real
   * client off the session's loop.
   *
   * @param events where the backend reports, tagged with the asking epoch
   * @return the leading backend once its real client exists; null when another process holds the
   *     port; failed when the real client cannot be created or the port cannot be bound
   */
  CompletableFuture<Backend> lead(BackendEvents events);

  /**
   * Tries to follow: connects to the port's holder and registers this process on the session's
   * channel.
   *
   * @param events where the backend reports, tagged with the asking epoch
   * @param deadlineNanos when to stop waiting for a registration answer
   * @return the registered backend; failed with {@link NoLeaderException} when nobody (alive) holds
   *     the port, or with another exception when the holder refuses or speaks another protocol
   */
  CompletableFuture<Backend> follow(BackendEvents events, long deadlineNanos);

  /** Nobody answers on the port, or the holder went away: compete again. */
  final class NoLeaderException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one.
     *
     * @param message what was seen
     * @param cause the socket's error, or null
     */
    public NoLeaderException(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }
}
