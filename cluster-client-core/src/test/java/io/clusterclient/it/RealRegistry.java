package io.clusterclient.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The real registry: an in-memory upstream. Records its constructions like {@link RealEchoService}. */
public class RealRegistry implements Registry, AutoCloseable {
  private final Map<String, List<String>> values = new LinkedHashMap<>();
  private final Map<String, List<Consumer<List<String>>>> listeners = new LinkedHashMap<>();
  private final List<String> log = new CopyOnWriteArrayList<>();

  public RealRegistry() {
    new RealEchoService("registry"); // appends to the constructions file
  }

  @Override
  public synchronized void subscribe(Map<String, String> reg, Consumer<List<String>> listener) {
    String id = reg.get("dataId");
    log.add("subscribe:" + id);
    listeners.computeIfAbsent(id, k -> new ArrayList<>()).add(listener);
    List<String> current = values.get(id);
    if (current != null) {
      listener.accept(new ArrayList<>(current));
    }
  }

  @Override
  public synchronized void unSubscribe(Map<String, String> reg, Consumer<List<String>> listener) {
    String id = reg.get("dataId");
    log.add("unsubscribe:" + id);
    List<Consumer<List<String>>> l = listeners.get(id);
    if (l != null) {
      l.remove(listener);
    }
  }

  @Override
  public synchronized void publish(Map<String, String> reg) {
    String id = reg.get("dataId");
    log.add("publish:" + id + "=" + reg.get("value"));
    List<String> list = values.computeIfAbsent(id, k -> new ArrayList<>());
    list.add(reg.get("value"));
    for (Consumer<List<String>> l : listeners.getOrDefault(id, List.of())) {
      l.accept(new ArrayList<>(list));
    }
  }

  /** The leader closes its real client: says so on stdout, where the test reads it. */
  @Override
  public void close() {
    System.out.println("REAL_CLIENT_CLOSED");
  }

  @Override
  public String ping(String value) {
    return value;
  }

  @Override
  public String pingOnce(String value) {
    return value;
  }

  @Override
  public String slowPingOnce(String value, long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return value;
  }

  @Override
  public List<String> upstreamLog() {
    return new ArrayList<>(log);
  }
}
