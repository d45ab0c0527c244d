package io.clusterclient;

/**
 * The part a process plays for one client name.
 *
 * <p>Immutable and thread-safe.
 */
public enum Role {
  /** Competing for the port, or waiting for a leader to answer. Calls wait, bounded by their timeout. */
  ELECTING,
  /** This process holds the real client and serves the others. */
  LEADER,
  /** Calls travel to the leader process. */
  FOLLOWER,
  /** Closed by the user: calls fail with {@link ClusterClosedException}. */
  CLOSED;

  /**
   * Whether this process holds the real client.
   *
   * @return true only for {@link #LEADER}
   */
  public boolean isLeader() {
    return this == LEADER;
  }

  /**
   * Whether calls can be served now, by this process or by a leader.
   *
   * @return true for {@link #LEADER} and {@link #FOLLOWER}
   */
  public boolean isConnected() {
    return this == LEADER || this == FOLLOWER;
  }
}
