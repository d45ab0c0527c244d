package io.clusterclient.benchmarks.workload;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The real client: answers at once, so that the figures measure the path, not the work. Thread-safe. */
public final class RealEchoService implements EchoService {
  private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();

  @Override
  public String echo(String value) {
    return value;
  }

  @Override
  public CompletableFuture<String> echoAsync(String value) {
    return CompletableFuture.completedFuture(value);
  }

  @Override
  public CompletableFuture<byte[]> echoBytes(byte[] value) {
    return CompletableFuture.completedFuture(value);
  }

  @Override
  public void subscribe(Map<String, String> reg, Consumer<String> listener) {
    listeners.computeIfAbsent(reg.get("dataId"), k -> new CopyOnWriteArrayList<>()).add(listener);
  }

  @Override
  public void publish(Map<String, String> reg) {
    for (Consumer<String> l : listeners.getOrDefault(reg.get("dataId"), List.of())) {
      l.accept(reg.get("value"));
    }
  }

  @Override
  public Order echoOrder(Order order) {
    return order;
  }
}
