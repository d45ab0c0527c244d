package io.clusterclient.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterclient.Role;
import io.clusterclient.internal.proxy.MethodInfo;
import java.util.concurrent.CompletableFuture;

/**
 * What serves calls in one epoch of a session: the leader's real client, or the connection to the
 * leader. A backend tells its session what happens to it through the {@link BackendEvents} it was
 * made with, never by calling the session. Implementations are thread-safe.
 */
public interface Backend {
  /** @return the role this backend stands for */
  Role role();

  /**
   * A delegated invoke-kind call made by a caller that waits (synchronous or void methods).
   *
   * @param info the method
   * @param args its arguments
   * @param deadlineNanos when the caller stops waiting ({@link SessionLoop#nanoTime()} based)
   * @return the result
   * @throws Throwable what the real client threw, or a cluster exception
   */
  Object invokeSync(MethodInfo info, Object[] args, long deadlineNanos) throws Throwable;

  /**
   * A delegated invoke-kind call of a method that returns a future.
   *
   * @param info the method
   * @param args its arguments
   * @param deadlineNanos when the caller stops waiting
   * @return a future completed on a worker thread, never on an I/O thread
   */
  CompletableFuture<Object> invokeAsync(MethodInfo info, Object[] args, long deadlineNanos);

  /**
   * Sends a oneway call: no answer, no result. Errors on the leader are reported there.
   *
   * @param info the method
   * @param args its arguments
   */
  void invokeOneway(MethodInfo info, Object[] args);

  /**
   * Prepares the arguments of a oneway call on the caller's thread, before it is handed to the
   * session's loop: the leader copies them through the codec (a failure is the caller's, as a
   * follower's encoding is); a follower sends them as they are.
   *
   * @param info the method
   * @param args the caller's arguments
   * @return the arguments to pass to {@link #invokeOneway}
   */
  default Object[] prepareOneway(MethodInfo info, Object[] args) {
    return args;
  }

  /**
   * Who leads, as this backend knows it.
   *
   * @return the leader, or empty when unknown
   */
  default java.util.Optional<io.clusterclient.LeaderInfo> leaderInfo() {
    return java.util.Optional.empty();
  }

  /**
   * The followers of a leader.
   *
   * @return a snapshot; empty for a follower
   */
  default java.util.List<io.clusterclient.FollowerInfo> followers() {
    return java.util.List.of();
  }

  /**
   * Sends a publish that the session remembers: encoded once, when it was made, so that sending it
   * (again) never runs the codec on the session's loop.
   *
   * @param publish the publish
   */
  void publish(Published publish);

  /**
   * Asks the leader to push the values of a registration to this process. Called once per key per
   * backend.
   *
   * @param key the registration key
   * @param reg the registration as JSON
   */
  void subscribe(String key, JsonNode reg);

  /**
   * Tells the leader that this process has no listener left for a registration.
   *
   * @param key the registration key
   * @param reg the registration as JSON
   */
  void unsubscribe(String key, JsonNode reg);

  /**
   * Describes where calls go, for messages: {@code leader pid 123 on 127.0.0.1:7777}.
   *
   * @return a short description
   */
  String describe();

  /**
   * Hands leadership over, then closes: a leader frees the port at once and tells its followers to
   * elect another; it goes on answering the calls they already sent, and closes once they have
   * left, or at the limit. A backend that cannot hand over just closes.
   *
   * @param limit how long followers may take to finish their calls
   * @return completes when closed
   */
  default CompletableFuture<Void> handOver(java.time.Duration limit) {
    return close();
  }

  /**
   * Stops taking calls, because the leader is handing over, and closes once the calls already sent
   * are answered (or time out). A call made from now on fails with {@link NotSentException}, which
   * the session sends again to the next leader. Events of this backend are stale from now on.
   *
   * @return completes when closed
   */
  default CompletableFuture<Void> retire() {
    return close();
  }

  /**
   * Leaves the cluster: closes the connection, or the real client and the port. Idempotent, and
   * never blocks: the future completes once everything is released.
   *
   * @return completes when closed
   */
  CompletableFuture<Void> close();
}
