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

  /** What the real client saw: subscribe:id, unsubscribe:id, publish:id=value. */
  @Delegate
  List<String> upstreamLog();
}
