package io.clusterclient.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterException;
import io.clusterclient.internal.codec.Values;
import io.clusterclient.internal.proxy.ListenerType;
import io.clusterclient.internal.proxy.MethodInfo;
import io.netty.buffer.Unpooled;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * What this process subscribed and published, by registration key: the listeners to call when the
 * leader pushes a value, the latest value for listeners that come later, and what to replay on a new
 * leader. Changes are guarded by the session's lock; {@link #push} needs none, so that the I/O
 * thread never waits for a caller. Delivery runs on a serial executor, never on I/O.
 */
final class Subscriptions {
  private final ClusterCodec codec;
  private final Executor delivery;
  private final Consumer<Throwable> errors;
  private final Map<String, Topic> topics = new ConcurrentHashMap<>();
  private final Map<String, Published> published = new LinkedHashMap<>();

  Subscriptions(ClusterCodec codec, Executor delivery, Consumer<Throwable> errors) {
    this.codec = codec;
    this.delivery = delivery;
    this.errors = errors;
  }

  private static final class Topic {
    final String key;
    final JsonNode reg;
    final List<Entry> listeners = new CopyOnWriteArrayList<>();
    volatile byte[] latest;

    Topic(String key, JsonNode reg) {
      this.key = key;
      this.reg = reg;
    }
  }

  private record Entry(Object listener, ListenerType type) {}

  private record Published(MethodInfo info, Object[] args) {}

  /**
   * Adds a listener.
   *
   * @return true when it is the first for its key in this process: the leader must be told
   */
  boolean add(String key, JsonNode reg, MethodInfo info, Object listener) {
    Topic topic = topics.get(key);
    boolean first = topic == null;
    if (first) {
      topic = new Topic(key, reg);
      topics.put(key, topic);
    }
    Entry entry = new Entry(listener, info.listener());
    // Under the topic's lock with push: a new listener never gets an older value after a newer one.
    synchronized (topic) {
      topic.listeners.add(entry);
      byte[] latest = topic.latest;
      if (latest != null) {
        deliver(topic, entry, latest);
      }
    }
    return first;
  }

  /**
   * Removes one listener (by identity), or all of them when {@code listener} is null.
   *
   * @return true when the key has no listener left: the leader must be told
   */
  boolean remove(String key, Object listener) {
    Topic topic = topics.get(key);
    if (topic == null) {
      return false;
    }
    if (listener == null) {
      topic.listeners.clear();
    } else {
      topic.listeners.removeIf(e -> e.listener == listener);
    }
    if (topic.listeners.isEmpty()) {
      topics.remove(key);
      return true;
    }
    return false;
  }

  void recordPublish(String key, MethodInfo info, Object[] args) {
    published.remove(key); // re-inserted last: replay keeps the order of the latest publishes
    published.put(key, new Published(info, args.clone()));
  }

  /** Sends everything this process subscribed, then everything it published, to a new backend. */
  void replay(Backend backend, Consumer<Throwable> onError) {
    // One that fails must not stop the others: a lost connection starts another round anyway.
    for (Topic t : topics.values()) {
      try {
        backend.subscribe(t.key, t.reg);
      } catch (RuntimeException e) {
        onError.accept(e);
      }
    }
    for (Published p : new ArrayList<>(published.values())) {
      try {
        backend.invokeOneway(p.info, p.args);
      } catch (RuntimeException e) {
        onError.accept(e);
      }
    }
  }

  /** A value pushed by the leader: cached, then handed to every listener of its key. */
  void push(String key, byte[] value) {
    Topic topic = topics.get(key);
    if (topic == null) {
      return; // unsubscribed meanwhile
    }
    synchronized (topic) {
      topic.latest = value;
      for (Entry e : topic.listeners) {
        deliver(topic, e, value); // only enqueues: the lock is held briefly, on I/O too
      }
    }
  }

  /** @return whether a value arrived for the key, or the key is no longer subscribed */
  boolean hasValueOrGone(String key) {
    Topic topic = topics.get(key);
    return topic == null || topic.latest != null;
  }

  boolean isEmpty() {
    return topics.isEmpty() && published.isEmpty();
  }

  private void deliver(Topic topic, Entry entry, byte[] value) {
    delivery.execute(
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
