package io.clusterclient.it;

import io.clusterclient.Delegate;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The client type of the subscription tests, shaped like a service registry. The methods named
 * subscribe, unSubscribe and publish are delegated by the original library's naming convention.
 */
public interface Registry {
  /** reg: {"dataId": ...}; the listener receives the list of values published for that dataId. */
  void subscribe(Map<String, String> reg, Consumer<List<String>> listener);

  void unSubscribe(Map<String, String> reg, Consumer<List<String>> listener);

  /** reg: {"dataId": ..., "value": ...}. */
  void publish(Map<String, String> reg);

  /** Safe to repeat: retried on a new leader when the old one is lost mid-call. */
  @Delegate
  @io.clusterclient.Idempotent
  String ping(String value);

  /** Not marked idempotent: fails with LeaderLostException when the leader is lost mid-call. */
  @Delegate
  String pingOnce(String value);

  /** Not idempotent, and slow: while it runs on the leader, the call is in flight. */
  @Delegate
  String slowPingOnce(String value, long millis);

  /** What the real client saw: subscribe:id, unsubscribe:id, publish:id=value. */
  @Delegate
  List<String> upstreamLog();
}
