package io.clusterclient;

/**
 * A peer could not prove that it belongs to the same owner, so this process would not talk to it:
 * the leader refused this follower, or the process holding the port could not prove itself to this
 * follower. Over TCP, the processes of one owner prove that they know the secret in their run
 * directory (see {@link ClusterOptions.Builder#allowUnauthenticated}). The message names the peer,
 * the secret's file and the fix.
 *
 * <p>Typical causes: a process of another user, or one started with another run directory (so
 * another secret); a Node.js peer, which cannot prove anything (let it in with {@code
 * allowUnauthenticated(true)} on every process); a process with {@code allowUnauthenticated(true)}
 * among processes without it.
 */
public class ClusterSecurityException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message who was refused, why, and the fix
   */
  public ClusterSecurityException(String message) {
    super(message);
  }
}
