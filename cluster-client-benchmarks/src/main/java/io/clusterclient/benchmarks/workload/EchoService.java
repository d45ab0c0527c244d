package io.clusterclient.benchmarks.workload;

import io.clusterclient.Delegate;
import io.clusterclient.Idempotent;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The client type every benchmark shares: an echo with a blocking and a future-returning form, a
 * byte[] echo, and a registry-like subscribe/publish pair. Its shape matches the Node.js client of
 * {@code node-bench/bench.js}, so both libraries run the same workloads.
 */
public interface EchoService {
  /**
   * Returns its argument; the caller waits for the leader's answer. Idempotent, like every echo
   * here: a call in flight when the leader dies is sent again to the next one.
   *
   * @param value any string
   * @return the same string
   */
  @Delegate
  @Idempotent
  String echo(String value);

  /**
   * Returns its argument without blocking (delegated: it returns a future).
   *
   * @param value any string
   * @return a future of the same string
   */
  @Idempotent
  CompletableFuture<String> echoAsync(String value);

  /**
   * Returns its argument without blocking; with the JSON codec the bytes travel as base64.
   *
   * @param value any bytes
   * @return a future of the same bytes
   */
  @Idempotent
  CompletableFuture<byte[]> echoBytes(byte[] value);

  /**
   * Receives every value published for {@code reg.dataId}.
   *
   * @param reg {@code {"dataId": ...}}
   * @param listener receives each value
   */
  void subscribe(Map<String, String> reg, Consumer<String> listener);

  /**
   * Sends {@code reg.value} to the listeners of {@code reg.dataId}.
   *
   * @param reg {@code {"dataId": ..., "value": ...}}
   */
  void publish(Map<String, String> reg);

  /** A small structured value, as business calls carry: the leader-local copy's cost (JMH). */
  record Order(String id, int quantity, double price, java.util.List<String> tags) {}

  /**
   * Returns the order: a blocking call whose argument and result go through the codec.
   *
   * @param order the order
   * @return the same order
   */
  @Delegate
  Order echoOrder(Order order);
}
