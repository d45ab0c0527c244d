package io.clusterclient;

/**
 * Hears what happens to a shared client: role changes (an election won or lost, a leader gone) and
 * errors that no caller receives (a listener that threw, a subscription that failed on the leader, a
 * first value that did not come within {@code subscribeTimeout}).
 *
 * <p>Runs on the executor given to {@link ClusterHandle#addListener(ClusterListener,
 * java.util.concurrent.Executor)}, or on a cluster-client worker thread; never on an I/O thread.
 * Implementations need to be thread-safe only if they are added with a multi-threaded executor.
 */
public interface ClusterListener {
  /**
   * The role of this process changed.
   *
   * @param handle the instance the listener was added to
   * @param role the new role
   */
  default void roleChanged(ClusterHandle handle, Role role) {}

  /**
   * Something failed that no call reports.
   *
   * @param handle the instance the listener was added to
   * @param error what failed, with a message that names the cause
   */
  default void error(ClusterHandle handle, Throwable error) {}
}
