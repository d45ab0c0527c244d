package io.clusterclient.internal.bus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.bus.DistributedMap;
import io.clusterclient.internal.bus.BusWire.Msg;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DistributedMap} as a compacted topic: a put is a message keyed by the key's JSON, a remove
 * a message with a JSON null value. The local copy is updated, under the bus's monitor, in the order
 * the replica receives the messages, so every process applies the same writes in the same order.
 */
final class DefaultDistributedMap<K, V> implements DistributedMap<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultDistributedMap.class);

  private final DefaultClusterBus bus;
  private final String topic;
  private final Class<K> keyType;
  private final Class<V> valueType;
  private final ObjectMapper mapper;
  private final Map<K, V> local = new ConcurrentHashMap<>();

  DefaultDistributedMap(
      DefaultClusterBus bus, String topic, Class<K> keyType, Class<V> valueType, ObjectMapper mapper) {
    this.bus = bus;
    this.topic = topic;
    this.keyType = keyType;
    this.valueType = valueType;
    this.mapper = mapper;
  }

  @SuppressWarnings("unchecked")
  <K2, V2> DistributedMap<K2, V2> as(Class<K2> k, Class<V2> v) {
    if (!k.equals(keyType) || !v.equals(valueType)) {
      throw new IllegalArgumentException("the map " + topic + " is already open with "
          + keyType.getName() + " -> " + valueType.getName());
    }
    return (DistributedMap<K2, V2>) this;
  }

  /** Under the bus's monitor. */
  void apply(Msg m) {
    if (m.k() == null) {
      return;
    }
    try {
      K key = mapper.readValue(m.k(), keyType);
      if (m.v() == null || m.v().isNull()) {
        local.remove(key);
      } else {
        local.put(key, mapper.treeToValue(m.v(), valueType));
      }
    } catch (JsonProcessingException | RuntimeException e) {
      LOG.warn("map {}: cannot read the entry of message {}: {}", topic, m.id(), e.getMessage());
    }
  }

  /** Under the bus's monitor: the key (as JSON) is no longer in the map. */
  void forget(String k) {
    try {
      local.remove(mapper.readValue(k, keyType));
    } catch (JsonProcessingException | RuntimeException e) {
      LOG.warn("map {}: cannot read a key to forget: {}", topic, e.getMessage());
    }
  }

  @Override
  public V get(K key) {
    return local.get(key);
  }

  @Override
  public int size() {
    return local.size();
  }

  @Override
  public Map<K, V> asMap() {
    return Collections.unmodifiableMap(local);
  }

  @Override
  public CompletableFuture<Long> put(K key, V value) {
    Objects.requireNonNull(value, "value");
    return write(key, value);
  }

  @Override
  public CompletableFuture<Long> remove(K key) {
    return write(key, NullNode.getInstance());
  }

  private CompletableFuture<Long> write(K key, Object value) {
    String k;
    try {
      k = mapper.writeValueAsString(Objects.requireNonNull(key, "key"));
    } catch (JsonProcessingException e) {
      return CompletableFuture.failedFuture(
          new ClusterCodecException("cannot write a key of map " + topic + ": " + e.getMessage(), e));
    }
    return bus.publishInternal(topic, k, value).thenCompose(id -> bus.seen(topic, id));
  }

  @Override
  public String toString() {
    return "DistributedMap{" + topic + ", " + local.size() + " entries}";
  }
}
