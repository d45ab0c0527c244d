package io.clusterclient.internal.bus;

import io.clusterclient.internal.bus.BusWire.Batch;
import io.clusterclient.internal.bus.BusWire.FeedKey;
import io.clusterclient.internal.bus.BusWire.Hello;
import io.clusterclient.internal.bus.BusWire.HelloReply;
import io.clusterclient.internal.bus.BusWire.Merge;
import io.clusterclient.internal.bus.BusWire.Send;
import io.clusterclient.internal.bus.BusWire.SendReply;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The bus's shared client type: the real client ({@link Broker}) lives in the leader's process, every
 * instance reaches it through {@code ClusterClient}'s delegation, as any user's client would. Every
 * call is idempotent on the broker's side (hello and merge by nature, send by the publisher's
 * sequence numbers), so the library may send one again to the next leader.
 */
public interface BrokerApi extends AutoCloseable {
  /**
   * Opens an instance's feed.
   *
   * @param key the instance's key
   * @param feed receives the batches
   */
  void subscribe(FeedKey key, Consumer<Batch> feed);

  /**
   * Called by the leader when the instance's process left or died.
   *
   * @param key the instance's key
   */
  void unsubscribe(FeedKey key);

  /**
   * @param hello where an instance's replica stands
   * @return where the broker's stands
   */
  CompletableFuture<HelloReply> hello(Hello hello);

  /**
   * @param merge messages the broker lacked
   * @return completes once taken
   */
  CompletableFuture<Boolean> merge(Merge merge);

  /**
   * @param send publishes
   * @return their ids, once accepted
   */
  CompletableFuture<SendReply> send(Send send);

  /**
   * @param topic a topic
   * @return the highest id the broker holds for it (0: none): an instance whose replica reaches it
   *     has everything accepted before this call
   */
  CompletableFuture<Long> position(String topic);

  @Override
  void close();
}
