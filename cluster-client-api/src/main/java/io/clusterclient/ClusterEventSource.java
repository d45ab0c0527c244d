package io.clusterclient;

/**
 * A real client that emits events to every process of the cluster. Implement it on the real
 * client's class: right after the factory returns, in the leader, the library gives it the sink of
 * its events, and the real client keeps it to call {@link ClusterEvents#emit} whenever something
 * happens upstream (a connection lost and regained, a configuration changed).
 *
 * <pre>{@code
 * final class RealRegistry implements Registry, ClusterEventSource {
 *   private volatile ClusterEvents events = (name, value) -> {};
 *   public void bindEvents(ClusterEvents events) { this.events = events; }
 *   void onSessionLost() { events.emit("sessionLost", Instant.now()); }
 * }
 * }</pre>
 */
public interface ClusterEventSource {
  /**
   * Gives the real client the sink of its events. Called once per real client, on a cluster-client
   * worker thread, after the factory returns and before {@link ReadyLater#whenReady()}; it must not
   * block. An exception it throws fails the creation of the real client.
   *
   * @param events where to emit events; thread-safe
   */
  void bindEvents(ClusterEvents events);
}
