package io.clusterclient.bus;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.internal.bus.DefaultClusterBus;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A message bus between the processes of one host: topics whose messages get increasing ids from the
 * elected leader, a retained backlog every subscriber can resume from, and {@link DistributedMap}s.
 * It needs no broker process: it runs on the leader/follower machinery of {@code ClusterClient}, and
 * survives the leader's death. Thread-safe.
 *
 * <pre>{@code
 * try (ClusterBus bus = ClusterBus.builder("app-bus").options(options).create()) {
 *   bus.subscribe("orders", Order.class, (id, order) -> handle(order)).join(); // confirmed
 *   long id = bus.publish("orders", order).join();                              // accepted
 * }
 * }</pre>
 *
 * <p>Guarantees: ids strictly increase within a topic, also across leader changes; a subscription
 * gets each message at most once, in id order, and is told (never silently) about messages that
 * retention dropped before it got them or when it is dropped for falling behind. A message whose
 * publish completed is not lost by the leader's death while one process that held it lives.
 */
public interface ClusterBus extends AutoCloseable {
  /**
   * @param name the bus's name: processes with the same name and port share the bus
   * @return a builder
   */
  static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Publishes a value. Before the bus is ready the publish is buffered (bounded) and sent in order.
   *
   * @param topic the topic
   * @param value the value, written as JSON with the bus's mapper
   * @return completes with the id the leader gave it; fails with {@code MessageTooLargeException}
   *     when the value is over the size limit, {@link BusBufferFullException} when too many publishes
   *     wait for the leader
   */
  default CompletableFuture<Long> publish(String topic, Object value) {
    return publish(topic, null, value);
  }

  /**
   * Publishes a value with a key; on a compacted topic only the newest message of each key stays.
   *
   * @param topic the topic
   * @param key the key, or {@code null}
   * @param value the value
   * @return as {@link #publish(String, Object)}
   */
  CompletableFuture<Long> publish(String topic, String key, Object value);

  /**
   * Subscribes to live messages.
   *
   * @param topic the topic
   * @param type the value type
   * @param listener the listener
   * @param <T> the value type
   * @return completes once the leader has this process in sync: every message accepted after it
   *     completes reaches the listener
   */
  default <T> CompletableFuture<Subscription> subscribe(
      String topic, Class<T> type, MessageListener<? super T> listener) {
    return subscribe(topic, type, From.latest(), listener);
  }

  /**
   * Subscribes from a point of the retained backlog, then live.
   *
   * @param topic the topic
   * @param type the value type, read locally from the message's JSON (never a class named by a peer)
   * @param from where to start
   * @param listener the listener
   * @param <T> the value type
   * @return completes once confirmed, as {@link #subscribe(String, Class, MessageListener)}
   */
  <T> CompletableFuture<Subscription> subscribe(
      String topic, Class<T> type, From from, MessageListener<? super T> listener);

  /**
   * @param topic the topic
   * @param type the value type
   * @param count how many of the newest retained messages
   * @param <T> the value type
   * @return completes once this process is in sync with the leader, with up to {@code count} of the
   *     newest retained messages, oldest first
   */
  <T> CompletableFuture<List<Message<T>>> backlog(String topic, Class<T> type, int count);

  /**
   * @param name the map's name
   * @param keyType the key type
   * @param valueType the value type
   * @param <K> the key type
   * @param <V> the value type
   * @return the map of this name (the same instance for the same name)
   */
  <K, V> DistributedMap<K, V> map(String name, Class<K> keyType, Class<V> valueType);

  /** @return completes once this process is first in sync with a leader */
  CompletableFuture<Void> ready();

  /** @return the handle of the underlying cluster client: role, listeners, metrics */
  ClusterHandle handle();

  /** @return this process's bus instance id, random per instance */
  String instanceId();

  /** Closes the bus: fails what is pending with {@code ClusterClosedException}. Idempotent. */
  @Override
  void close();

  /** Builds a {@link ClusterBus}. Not thread-safe; {@link #create()} copies what it needs. */
  final class Builder {
    private final String name;
    private ClusterOptions options = ClusterOptions.defaults();
    private ClusterRuntime runtime;
    private ObjectMapper mapper;
    private TopicOptions defaults = TopicOptions.defaults();
    private final Map<String, TopicOptions> topics = new LinkedHashMap<>();
    private Duration recoveryTimeout = Duration.ofSeconds(3);
    private int maxBuffered = 10_000;
    private int subscriberMaxLag = 10_000;
    private long mapMaxBytes = 64L << 20;
    private Duration mapTombstoneRetention = Duration.ofHours(1);

    private Builder(String name) {
      if (name == null || name.isEmpty() || name.length() > 200) {
        throw new IllegalArgumentException("a bus name must have 1 to 200 characters: " + name);
      }
      this.name = name;
    }

    /**
     * @param options the cluster options (port, timeouts, {@code maxFrameLength}, ...); the name is
     *     the bus's
     * @return this builder
     */
    public Builder options(ClusterOptions options) {
      this.options = Objects.requireNonNull(options);
      return this;
    }

    /**
     * @param runtime the runtime to run on (default: the shared one)
     * @return this builder
     */
    public Builder runtime(ClusterRuntime runtime) {
      this.runtime = runtime;
      return this;
    }

    /**
     * @param mapper writes published values and reads subscribed ones (default: the library's
     *     {@code JacksonCodec.defaultMapperBuilder()}); never with default typing
     * @return this builder
     */
    public Builder mapper(ObjectMapper mapper) {
      this.mapper = mapper;
      return this;
    }

    /**
     * @param defaults the options of topics not declared with {@link #topic}
     * @return this builder
     */
    public Builder defaultTopicOptions(TopicOptions defaults) {
      this.defaults = Objects.requireNonNull(defaults);
      return this;
    }

    /**
     * @param topic a topic
     * @param options its options, the same in every process
     * @return this builder
     */
    public Builder topic(String topic, TopicOptions options) {
      topics.put(topic, Objects.requireNonNull(options));
      return this;
    }

    /**
     * @param recoveryTimeout how long a new leader holds publishes while the processes of the
     *     previous leader bring it what they hold (default 3 s); it ends as soon as they all have
     *     (in 50-kill chaos runs on 2 cores: 152 to 275 ms median, up to 817 ms). A process that
     *     comes later can no longer add older messages to a topic that has moved on
     * @return this builder
     */
    public Builder recoveryTimeout(Duration recoveryTimeout) {
      this.recoveryTimeout = Objects.requireNonNull(recoveryTimeout);
      return this;
    }

    /**
     * @param maxBuffered the most publishes waiting for the leader (default 10,000)
     * @return this builder
     */
    public Builder maxBuffered(int maxBuffered) {
      this.maxBuffered = maxBuffered;
      return this;
    }

    /**
     * @param subscriberMaxLag how many undelivered messages a subscription may have before it is
     *     dropped (default 10,000)
     * @return this builder
     */
    public Builder subscriberMaxLag(int subscriberMaxLag) {
      this.subscriberMaxLag = subscriberMaxLag;
      return this;
    }

    /**
     * @param mapMaxBytes the most bytes of keys and values (as JSON) one {@link DistributedMap} holds,
     *     the markers of removed keys included until they are purged (default 64 MiB). A write that
     *     would go over it fails with {@link MapFullException}; the leader's setting applies, so set
     *     the same in every process
     * @return this builder
     */
    public Builder mapMaxBytes(long mapMaxBytes) {
      if (mapMaxBytes < 1) {
        throw new IllegalArgumentException("mapMaxBytes must be >= 1: " + mapMaxBytes);
      }
      this.mapMaxBytes = mapMaxBytes;
      return this;
    }

    /**
     * @param mapTombstoneRetention how long a {@link DistributedMap} keeps the marker that a removal
     *     leaves (default 1 hour), as Kafka's {@code delete.retention.ms}: then it is purged in every
     *     process. A process out of touch with the leader for longer gets the map whole again when it
     *     comes back, and drops the keys removed meanwhile. The leader's setting applies
     * @return this builder
     */
    public Builder mapTombstoneRetention(Duration mapTombstoneRetention) {
      if (mapTombstoneRetention.isNegative()) {
        throw new IllegalArgumentException("mapTombstoneRetention must not be negative: " + mapTombstoneRetention);
      }
      this.mapTombstoneRetention = mapTombstoneRetention;
      return this;
    }

    /** @return a started bus; {@link ClusterBus#ready()} says when it is in sync */
    public ClusterBus create() {
      return DefaultClusterBus.create(new DefaultClusterBus.Config(
          name, options, runtime, mapper, defaults, Map.copyOf(topics), recoveryTimeout,
          maxBuffered, subscriberMaxLag, mapMaxBytes, mapTombstoneRetention));
    }
  }
}
