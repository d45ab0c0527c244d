package io.clusterclient;

/**
 * Creates the real upstream client. It runs only in the process that leads, never in a follower, and
 * again in each new leader after a failover.
 *
 * <p>It is called on a cluster-client worker thread, never on an I/O thread, so it may block (for
 * instance to connect upstream). An exception it throws fails {@link ClusterHandle#ready()} of every
 * process that waits for this leader, with a {@link ClusterException} that names it (and has it as
 * its cause in the leader's process).
 *
 * <p>Need not be thread-safe: it is called by one thread at a time, once per election won.
 *
 * @param <T> the client type
 */
@FunctionalInterface
public interface RealClientFactory<T> {
  /**
   * Creates the real client.
   *
   * @return a new real client, never null
   * @throws Exception when the client cannot be created; it is reported to every waiting process
   */
  T create() throws Exception;
}
