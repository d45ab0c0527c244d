package io.clusterclient.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterException;
import io.clusterclient.internal.SerialExecutor;
import io.clusterclient.internal.codec.Values;
import io.clusterclient.internal.proxy.ListenerType;
import io.clusterclient.internal.proxy.MethodInfo;
import io.netty.buffer.Unpooled;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The listeners of this process by registration key, and the latest value of each key for listeners
 * that come later. Thread-safe without a lock shared with anyone: adding and removing run on user
 * threads, {@link #push} on an I/O thread, and each takes only the topic's own monitor, briefly.
 * Each key delivers on its own serial executor: values reach a listener in the order the leader
 * pushed them, and a slow listener delays only its own key.
 */
final class Subscriptions {
  private final ClusterCodec codec;
  private final Executor callbacks;
  private final Consumer<Throwable> errors;
  private final Map<String, Topic> topics = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.LongAdder delivered = new java.util.concurrent.atomic.LongAdder();

  /** @return values handed to listeners so far: one per listener per value */
  long delivered() {
    return delivered.sum();
  }

  /** @return the keys subscribed now, a snapshot */
  java.util.Set<String> keys() {
    return java.util.Set.copyOf(topics.keySet());
  }

  Subscriptions(ClusterCodec codec, Executor callbacks, Consumer<Throwable> errors) {
    this.codec = codec;
    this.callbacks = callbacks;
    this.errors = errors;
  }

  private final class Topic {
    final String key;
    final JsonNode reg;
    final List<Entry> listeners = new CopyOnWriteArrayList<>();
    final Executor delivery = new SerialExecutor(callbacks);
    byte[] latest; // guarded by this

    Topic(String key, JsonNode reg) {
      this.key = key;
      this.reg = reg;
    }
  }

  private record Entry(Object listener, ListenerType type) {}

  /**
   * A key and its registration, as the leader must be told.
   *
   * @param key the registration key
   * @param reg the registration
   * @param token the identity of this subscription of the key: a key unsubscribed and subscribed
   *     again gets a new one, so that the leader is told again (and pushes the latest value)
   */
  record Registration(String key, JsonNode reg, Object token) {}

  /**
   * Adds a listener, and hands it the latest value of its key if there is one.
   *
   * @param key the registration key
   * @param reg the registration
   * @param info the subscribe method
   * @param listener the listener
   * @return whether it is the first listener of its key
   */
  boolean add(String key, JsonNode reg, MethodInfo info, Object listener) {
    Entry entry = new Entry(listener, info.listener());
    boolean[] first = new boolean[1];
    topics.compute(
        key,
        (k, topic) -> {
          Topic t = topic != null ? topic : new Topic(key, reg);
          first[0] = topic == null;
          // Under the topic's monitor, as push: a new listener never gets an older value after a
          // newer one.
          synchronized (t) {
            t.listeners.add(entry);
            if (t.latest != null) {
              deliver(t, entry, t.latest);
            }
          }
          return t;
        });
    return first[0];
  }

  /**
   * Removes one listener (by identity), or all of them when {@code listener} is null.
   *
   * @param key the registration key
   * @param listener the listener, or null
   */
  void remove(String key, Object listener) {
    topics.computeIfPresent(
        key,
        (k, t) -> {
          if (listener == null) {
            t.listeners.clear();
          } else {
            t.listeners.removeIf(e -> e.listener == listener);
          }
          return t.listeners.isEmpty() ? null : t;
        });
  }

  /**
   * @param key a registration key
   * @return the registration while some listener of this process wants its values, else null
   */
  Registration wanted(String key) {
    Topic t = topics.get(key);
    return t == null ? null : new Registration(t.key, t.reg, t);
  }

  /** @return every key some listener wants, to tell a new leader */
  List<Registration> all() {
    List<Registration> out = new ArrayList<>();
    for (Topic t : topics.values()) {
      out.add(new Registration(t.key, t.reg, t));
    }
    return out;
  }

  /**
   * A value pushed by the leader: cached, then handed to every listener of its key. Never blocks:
   * delivery only enqueues.
   *
   * @param key the registration key
   * @param value the value's bytes
   */
  void push(String key, byte[] value) {
    Topic topic = topics.get(key);
    if (topic == null) {
      return; // unsubscribed meanwhile
    }
    synchronized (topic) {
      topic.latest = value;
      for (Entry e : topic.listeners) {
        deliver(topic, e, value);
      }
    }
  }

  /**
   * @param key a registration key
   * @return whether a value arrived for the key, or the key is no longer subscribed
   */
  boolean hasValueOrGone(String key) {
    Topic topic = topics.get(key);
    if (topic == null) {
      return true;
    }
    synchronized (topic) {
      return topic.latest != null;
    }
  }

  private void deliver(Topic topic, Entry entry, byte[] value) {
    topic.delivery.execute(
        () -> {
          if (!topic.listeners.contains(entry)) {
            return; // removed before its turn came
          }
          Object decoded;
          try {
            // Decoded for each listener: every listener gets its own copy to keep or mutate.
            decoded =
                Values.decode(codec, false, Unpooled.wrappedBuffer(value), entry.type.valueType());
          } catch (Exception e) {
            errors.accept(
                new ClusterException(
                    "cannot read the value pushed for " + topic.key + " as "
                        + entry.type.valueType().getTypeName() + ": " + e.getMessage(),
                    e));
            return;
          }
          try {
            delivered.increment();
            entry.type.method().invoke(entry.listener, decoded);
          } catch (InvocationTargetException e) {
            errors.accept(
                new ClusterException(
                    "a listener of " + topic.key + " threw " + e.getCause(), e.getCause()));
          } catch (ReflectiveOperationException | RuntimeException e) {
            errors.accept(new ClusterException("cannot call a listener of " + topic.key, e));
          }
        });
  }
}
