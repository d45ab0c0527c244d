package io.clusterclient.samples.registry;

import io.clusterclient.Delegate;
import java.util.List;
import java.util.function.Consumer;

/**
 * A service registry as every process of the host sees it: who provides a service, and this process
 * as one of the providers. The leader holds the one real registry ({@link CuratorServiceRegistry},
 * one ZooKeeper session for the whole host); every other process gets a cluster-client proxy of this
 * interface.
 *
 * <p>How each method travels follows cluster-client's naming conventions: {@code subscribe}, {@code
 * unSubscribe}, {@code publish} and {@code close} are delegated by their names, {@code getData} by its
 * annotation. Implementations are thread-safe.
 */
public interface ServiceRegistry extends AutoCloseable {
  /**
   * Watches the providers of a service, the children of {@code /services/<service>}. The listener gets
   * the sorted provider ids at once (an empty list when there is none), then after every change. Through
   * cluster-client the leader watches ZooKeeper once per service, whatever the number of processes.
   *
   * @param query the service
   * @param listener receives the provider ids; runs on a registry or cluster-client thread
   */
  void subscribe(ServiceQuery query, Consumer<List<String>> listener);

  /**
   * Stops a listener given to {@link #subscribe}.
   *
   * @param query the service
   * @param listener the listener, by identity
   */
  void unSubscribe(ServiceQuery query, Consumer<List<String>> listener);

  /**
   * Registers a provider: the ephemeral node {@code /services/<service>/<id>}, holding the
   * registration as JSON, lives as long as the real registry's ZooKeeper session. Through
   * cluster-client each process remembers what it published and publishes it again to a new leader,
   * whose new session re-creates the node.
   *
   * @param registration the provider
   */
  void publish(Registration registration);

  /**
   * Reads a node.
   *
   * @param path an absolute ZooKeeper path
   * @return the node's data as UTF-8 text, or null when there is no such node
   */
  @Delegate
  String getData(String path);

  /** Closes this instance; the last one of the leader closes the ZooKeeper session. Idempotent. */
  @Override
  void close();
}
