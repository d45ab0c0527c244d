package io.clusterclient.bus;

import java.util.concurrent.CompletableFuture;

/** One subscriber of one topic. Thread-safe. */
public interface Subscription extends AutoCloseable {
  /** @return the topic */
  String topic();

  /** @return the id of the last message delivered to the listener, {@code -1} before the first */
  long lastId();

  /**
   * @return completes with the last delivered id when the subscription ends: normally when it is
   *     closed (or the bus is), exceptionally with {@link SubscriberDroppedException} when it was
   *     dropped for falling behind
   */
  CompletableFuture<Long> whenClosed();

  /** Stops delivery (a callback in progress finishes). Idempotent. */
  @Override
  void close();
}
