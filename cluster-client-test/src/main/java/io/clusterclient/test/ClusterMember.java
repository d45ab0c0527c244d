package io.clusterclient.test;

import io.clusterclient.ClusterHandle;
import io.clusterclient.Role;

/**
 * One member of a {@link ClusterFixture}: a stand-in for one process that shares the client. A member
 * in the test's JVM has a {@link io.clusterclient.ClusterRuntime runtime} of its own and a client you can call; a
 * member in a child JVM is a real process, which you can kill or stop but not call (call through a
 * member in the test's JVM instead).
 *
 * <p>Thread-safe.
 *
 * @param <T> the shared client's type
 * @see io.clusterclient.ClusterRuntime
 */
public interface ClusterMember<T> {
  /**
   * A name for messages: {@code member-1}, {@code member-2}, ... in the order the members joined.
   *
   * @return the name
   */
  String name();

  /**
   * Whether this member runs in the test's JVM (otherwise in a child JVM).
   *
   * @return true for a member in the test's JVM
   */
  boolean inThisJvm();

  /**
   * The member's client: the real client's proxy when it follows, or the client itself when it
   * leads; calls on it go wherever the member's process would send them.
   *
   * @return the client
   * @throws UnsupportedOperationException for a member in a child JVM
   */
  T client();

  /**
   * The member's handle: its role, readiness, metrics and listeners.
   *
   * @return the handle
   * @throws UnsupportedOperationException for a member in a child JVM
   */
  ClusterHandle handle();

  /**
   * The member's current role; {@link Role#CLOSED} once it was killed or stopped.
   *
   * @return the role
   */
  Role role();

  /**
   * Whether the member was neither killed nor stopped.
   *
   * @return true while alive
   */
  boolean isAlive();

  /**
   * Ends the member as a crash would (SIGKILL for a child JVM): its connections close without a
   * handover, and the others learn it from the closed sockets. Its real client is left open (an
   * upstream session lingers, as after a crash) until the fixture closes, which closes it if it is
   * {@link AutoCloseable}. The
   * member must not be used afterwards. Idempotent.
   */
  void kill();

  /**
   * Ends the member gracefully (SIGTERM for a child JVM, which closes its client from a shutdown
   * hook): a leader hands over, its calls in flight finish and new calls wait for the next leader.
   * Returns once the member has ended. Idempotent.
   */
  void stop();
}
