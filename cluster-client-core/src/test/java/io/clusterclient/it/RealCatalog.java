package io.clusterclient.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The real catalog, in the leader only: what Node.js's EchoClient of peer.js does, in Java. */
public final class RealCatalog implements Catalog {
  private final Map<String, List<Consumer<Item>>> listeners = new ConcurrentHashMap<>();
  private final Map<String, Item> latest = new ConcurrentHashMap<>();

  @Override
  public void subscribe(Map<String, String> reg, Consumer<Item> listener) {
    String id = reg.get("dataId");
    listeners.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(listener);
    Item last = latest.get(id);
    if (last != null) {
      listener.accept(last);
    }
  }

  @Override
  public void publish(Item item) {
    latest.put(item.dataId(), item);
    for (Consumer<Item> l : new ArrayList<>(listeners.getOrDefault(item.dataId(), List.of()))) {
      l.accept(item);
    }
  }

  @Override
  public Item item(Item in) {
    byte[] inverted = new byte[in.data().length];
    for (int i = 0; i < inverted.length; i++) {
      inverted[i] = (byte) (255 - (in.data()[i] & 0xff));
    }
    return new Item(in.dataId(), inverted, in.at().plusSeconds(1));
  }

  @Override
  public String fail(String message) {
    throw new CodedException(message, "E_JAVA");
  }
}
