package io.clusterclient;

/**
 * Hears the named events that the real client emits (see {@link ClusterEvents}), in every process.
 * Runs on the executor given to {@link ClusterHandle#addEventListener(String, Class,
 * ClusterEventListener, java.util.concurrent.Executor)}, or on a cluster-client worker thread; never
 * on an I/O thread. One listener hears its events one at a time, in the order the leader emitted
 * them.
 *
 * @param <T> the type the listener reads each value as
 */
@FunctionalInterface
public interface ClusterEventListener<T> {
  /**
   * An event was emitted.
   *
   * @param name the event's name
   * @param value its value, a copy read as the type the listener was added with; possibly null
   */
  void onEvent(String name, T value);
}
