package io.clusterclient;

import java.util.concurrent.CompletionStage;

/**
 * A real client that becomes ready some time after its factory returns: one that connects upstream
 * in the background, as a Node.js sdk-base client signals {@code ready} asynchronously. Implement it
 * on the real client's class; the leader then waits for {@link #whenReady()} before it reports
 * ready, and before it accepts any follower, so that no call reaches a real client that is not
 * ready.
 *
 * <p>If the stage fails, or does not complete within {@code maxWaitTime} (counted from the moment
 * the factory returned), {@link ClusterHandle#ready()} fails in every process that waits for this
 * leader, with a {@link ClusterException} naming the client and the cause (in the leader's process
 * the cause is also attached), exactly as when the factory throws: the real client is closed, and
 * the election runs again after a backoff.
 *
 * <pre>{@code
 * final class CuratorRegistry implements Registry, ReadyLater {
 *   private final CompletableFuture<Void> connected = new CompletableFuture<>();
 *   CuratorRegistry(CuratorFramework curator) {
 *     curator.getConnectionStateListenable().addListener((c, state) -> {
 *       if (state.isConnected()) connected.complete(null);
 *     });
 *     curator.start();                                  // returns at once; connects in the background
 *   }
 *   public CompletionStage<?> whenReady() { return connected; }
 * }
 * }</pre>
 *
 * <p>{@link #whenReady()} is called once per real client, on a cluster-client worker thread, right
 * after the factory returns; it must not block. The stage's value is ignored.
 */
public interface ReadyLater {
  /**
   * The readiness of this real client.
   *
   * @return a stage that completes when the real client can serve calls, or fails with the reason
   *     it cannot; never null
   */
  CompletionStage<?> whenReady();
}
