package io.clusterclient.internal.session;

import io.clusterclient.Role;
import io.clusterclient.internal.proxy.MethodInfo;
import java.util.concurrent.CompletableFuture;

/**
 * What serves calls in the current role: the leader's real client, or the connection to the leader.
 * Implementations are thread-safe.
 */
public interface Backend {
  /** @return whether it can still serve: false once its connection or server is gone */
  boolean isAlive();

  /** @return the role this backend stands for */
  Role role();

  /**
   * A delegated invoke-kind call made by a caller that waits (synchronous or void methods).
   *
   * @param info the method
   * @param args its arguments
   * @return the result
   * @throws Throwable what the real client threw, or a cluster exception
   */
  Object invokeSync(MethodInfo info, Object[] args) throws Throwable;

  /**
   * A delegated invoke-kind call of a method that returns a future.
   *
   * @param info the method
   * @param args its arguments
   * @return a future completed on a worker thread, never on an I/O thread
   */
  CompletableFuture<Object> invokeAsync(MethodInfo info, Object[] args);

  /**
   * Sends a oneway call: no answer, no result. Errors on the leader are logged there.
   *
   * @param info the method
   * @param args its arguments
   */
  void invokeOneway(MethodInfo info, Object[] args);

  /**
   * Asks the leader to push the values of a registration to this process. Idempotent per key.
   *
   * @param key the registration key
   * @param reg the registration as JSON
   */
  void subscribe(String key, com.fasterxml.jackson.databind.JsonNode reg);

  /**
   * Tells the leader that this process has no listener left for a registration.
   *
   * @param key the registration key
   * @param reg the registration as JSON
   */
  void unsubscribe(String key, com.fasterxml.jackson.databind.JsonNode reg);

  /**
   * Describes where calls go, for messages: {@code leader pid 123 on 127.0.0.1:7777}.
   *
   * @return a short description
   */
  String describe();

  /** Leaves the cluster: closes the connection, or the real client and the port. Idempotent. */
  void close();
}
