package io.clusterclient.benchmarks.workload;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What a worker process drives: this library's proxy, or the raw baseline's connection. Thread-safe.
 */
interface Target extends AutoCloseable {
  /** A call that blocks its caller until the answer comes. */
  String echo(String value) throws Exception;

  /** A call that returns at once; the future completes on the implementation's thread. */
  CompletableFuture<?> echoAsync(String value);

  /** A byte[] echo that returns at once. */
  CompletableFuture<?> echoBytes(byte[] value);

  /** Subscribes to a data id; unsupported unless overridden (the raw baseline has none). */
  default void subscribe(String dataId, Consumer<String> listener) {
    throw new UnsupportedOperationException("raw framing has no subscriptions");
  }

  /** Publishes a value for a data id; unsupported unless overridden (the raw baseline has none). */
  default void publish(String dataId, String value) {
    throw new UnsupportedOperationException("raw framing has no publish");
  }

  /** LEADER, FOLLOWER or ELECTING. */
  String role();

  /** {@link System#nanoTime()} when the last election began (the leader was lost), or 0. */
  default long electingAt() {
    return 0;
  }

  /** {@link System#nanoTime()} when the last election ended (leading or following again), or 0. */
  default long connectedAt() {
    return 0;
  }

  @Override
  void close();
}
