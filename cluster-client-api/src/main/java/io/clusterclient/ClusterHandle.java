package io.clusterclient;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Controls one instance made by {@link ClusterClientBuilder#create}: its readiness, its role and its
 * lifecycle. Get it with {@link ClusterClient#handle(Object)}.
 *
 * <p>Thread-safe.
 */
public interface ClusterHandle extends AutoCloseable {
  /**
   * The client name, which is also the channel name on the port.
   *
   * @return the name shared by every process that shares this client
   */
  String name();

  /**
   * The local port on which the processes elect their leader.
   *
   * @return the port, or 0 in single mode
   */
  int port();

  /**
   * Completes once this instance can serve calls: as the leader, once the real client is created; as a
   * follower, once the leader has accepted this process. Fails when that cannot happen: with a
   * {@link ClusterException} whose message names the client and the factory's exception when the
   * real client's factory throws (in the leader's process that exception is also its cause; the
   * factory's own type is never thrown as such), and with a {@link ClusterTimeoutException} when no
   * leader answers within {@code maxWaitTime}.
   *
   * <p>Dependent stages run on a cluster-client worker thread (or the caller's, if already complete),
   * never on an I/O thread.
   *
   * @return a future that completes when this instance is ready
   */
  CompletableFuture<Void> ready();

  /**
   * The current role of this process for this client.
   *
   * @return the role, {@link Role#CLOSED} after {@link #close()}
   */
  Role role();

  /**
   * Whether this process holds the real client.
   *
   * @return {@code role().isLeader()}
   */
  default boolean isLeader() {
    return role().isLeader();
  }

  /**
   * Counters of calls, retries and elections of this client in this process (shared by the instances
   * of one name).
   *
   * @return a snapshot
   */
  ClusterMetrics metrics();

  /**
   * Who leads now, as this process knows it: itself, or the process it follows. (The defaults of
   * these state methods, empty, serve handles made for tests.)
   *
   * @return the leader; empty while electing and once closed
   */
  default java.util.Optional<LeaderInfo> leader() {
    return java.util.Optional.empty();
  }

  /**
   * The followers of this process, when it leads: a snapshot.
   *
   * @return one entry per connected follower, oldest first; empty when this process does not lead
   */
  default java.util.List<FollowerInfo> followers() {
    return java.util.List.of();
  }

  /**
   * The registrations this process subscribed (its listeners' keys), which it replays to every
   * new leader.
   *
   * @return the subscription keys, a snapshot
   */
  default java.util.Set<String> subscriptions() {
    return java.util.Set.of();
  }

  /**
   * How many publishes this process remembers to replay to a new leader (at most {@code
   * maxRememberedPublishes}).
   *
   * @return the number of remembered publishes
   */
  default int rememberedPublishes() {
    return 0;
  }

  /**
   * Stops remembering a publish: it is no longer replayed to the leaders that come next. Publishes
   * are remembered by registration key (the compact JSON of {@code reg}), up to {@link
   * ClusterOptions#maxRememberedPublishes()}; retract those that no longer hold, for example a
   * provider that stopped serving. This does not undo the publish on the current leader: call your
   * client's own method for that (an unregister, delegated as a oneway call).
   *
   * @param reg the registration, as given to the publish method
   * @return completes with whether a remembered publish of that key was forgotten
   */
  CompletableFuture<Boolean> retractPublish(Object reg);

  /**
   * Adds a listener of role changes and errors, run on a cluster-client worker thread. It hears the
   * current role at once, then every change after it, in order.
   *
   * @param listener the listener
   */
  void addListener(ClusterListener listener);

  /**
   * Adds a listener of role changes and errors, run on the given executor. It hears the current
   * role at once, then every change after it, in order.
   *
   * @param listener the listener
   * @param executor where to run it; events reach one listener in order when the executor is
   *     single-threaded
   */
  void addListener(ClusterListener listener, Executor executor);

  /**
   * Removes a listener; closing the handle removes its listeners too.
   *
   * @param listener the listener
   */
  void removeListener(ClusterListener listener);

  /**
   * Adds a listener of the real client's events of one name (see {@link ClusterEvents}), run on a
   * cluster-client worker thread.
   *
   * @param name the event's name
   * @param type what to read each value as: {@code Object.class} gives JSON's shapes (maps, lists,
   *     strings, numbers, booleans, null)
   * @param listener the listener
   * @param <T> the value's type
   */
  default <T> void addEventListener(String name, Class<T> type, ClusterEventListener<? super T> listener) {
    throw new UnsupportedOperationException("this handle delivers no events");
  }

  /**
   * Adds a listener of the real client's events of one name, run on the given executor. Events
   * reach every process: the leader's own listeners, and each Java follower's, which the leader
   * sends them to (a Node.js follower ignores them). A listener is kept across elections: it hears
   * the events of each real client in turn, but none emitted while its process has no leader, and
   * none emitted before it was added. A listener that throws, or a value that cannot be read as
   * {@code type}, is reported to the {@link ClusterListener#error} listeners and does not stop the
   * others.
   *
   * @param name the event's name
   * @param type what to read each value as
   * @param listener the listener
   * @param executor where to run it; one listener hears its events one at a time, in order
   * @param <T> the value's type
   */
  default <T> void addEventListener(
      String name, Class<T> type, ClusterEventListener<? super T> listener, Executor executor) {
    throw new UnsupportedOperationException("this handle delivers no events");
  }

  /**
   * Removes an event listener from every name it was added for; closing the handle removes its
   * event listeners too.
   *
   * @param listener the listener
   */
  default void removeEventListener(ClusterEventListener<?> listener) {
    throw new UnsupportedOperationException("this handle delivers no events");
  }

  /**
   * Closes this instance. When it is the last open instance of its name in this process, the process
   * leaves the cluster: a follower disconnects, a leader closes the real client and frees the port so
   * that the others elect a new leader. Idempotent; calls made after it fail with {@link
   * ClusterClosedException}.
   */
  @Override
  void close();
}
