package io.clusterclient.internal.bus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterClosedException;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.MessageTooLargeException;
import io.clusterclient.RemoteInvocationException;
import io.clusterclient.Role;
import io.clusterclient.bus.BusBufferFullException;
import io.clusterclient.bus.BusException;
import io.clusterclient.bus.ClusterBus;
import io.clusterclient.bus.DistributedMap;
import io.clusterclient.bus.From;
import io.clusterclient.bus.MapFullException;
import io.clusterclient.bus.Message;
import io.clusterclient.bus.MessageListener;
import io.clusterclient.bus.Subscription;
import io.clusterclient.bus.TopicOptions;
import io.clusterclient.internal.Threads;
import io.clusterclient.internal.bus.BusWire.Batch;
import io.clusterclient.internal.bus.BusWire.FeedKey;
import io.clusterclient.internal.bus.BusWire.Hello;
import io.clusterclient.internal.bus.BusWire.HelloReply;
import io.clusterclient.internal.bus.BusWire.Merge;
import io.clusterclient.internal.bus.BusWire.Msg;
import io.clusterclient.internal.bus.BusWire.Pub;
import io.clusterclient.internal.bus.BusWire.Send;
import io.clusterclient.internal.bus.BusWire.SendReply;
import io.clusterclient.internal.bus.BusWire.TopicConfig;
import io.clusterclient.jackson.JacksonCodec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's instance of a bus: a replica of every topic's retained backlog, fed by the broker
 * through this instance's own feed subscription; the local subscribers, which read the replica; and
 * the outbox of publishes, sent one batch at a time, in order, until the broker accepted them.
 *
 * <p>State: the replica and sync state are guarded by this object's monitor, taken only briefly (no
 * user code and no broker call under it). Subscribers read the replica's skip lists without it.
 *
 * <p>Sync, after every LEADER or FOLLOWER role event (generation {@code gen}): hello (where this
 * replica stands) → merge (what the broker lacks, including publishes acknowledged but not yet seen
 * on the feed) → synced (the outbox flows) → caught up (the feed brought the broker's state at hello
 * time: subscriptions and backlog reads are confirmed).
 */
public final class DefaultClusterBus implements ClusterBus {
  static final String MAP_PREFIX = "__map.";
  private static final Logger LOG = LoggerFactory.getLogger(DefaultClusterBus.class);
  private static final int MAX_BATCH = 1024;
  private static final int DROPPED_REMEMBERED = 10_000;
  private static final long RETRY_MILLIS = 50;
  /** Room for a message's fields besides its value, topic and key (ids, time, publisher). */
  private static final int MSG_OVERHEAD = 160;

  /**
   * Everything the builder collected.
   *
   * @param name bus name
   * @param options cluster options
   * @param runtime runtime or null
   * @param mapper mapper or null
   * @param defaults default topic options
   * @param topics declared topics
   * @param recoveryTimeout a new broker's recovery window
   * @param maxBuffered outbox bound
   * @param subscriberMaxLag lag bound
   * @param mapMaxBytes the most bytes of keys and values a map holds
   * @param mapTombstoneRetention how long a map keeps the marker of a removed key
   */
  public record Config(
      String name, ClusterOptions options, ClusterRuntime runtime, ObjectMapper mapper,
      TopicOptions defaults, Map<String, TopicOptions> topics, Duration recoveryTimeout,
      int maxBuffered, int subscriberMaxLag, long mapMaxBytes, Duration mapTombstoneRetention) {}

  private final Config config;
  private final String name;
  private final String instanceId = UUID.randomUUID().toString();
  private final ObjectMapper mapper;
  private final int maxMessageBytes;
  private final int maxChunkBytes;
  private final ScheduledThreadPoolExecutor timer;
  private final ExecutorService ownCallbacks;
  private final Executor callbacks;
  private final Map<String, TopicConfig> declared = new HashMap<>();
  private final BrokerApi broker;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();

  // ---- guarded by this ----
  private final Map<String, Replica> topics = new ConcurrentHashMap<>();
  private long knownEpoch = -1;
  private long minEpoch = -1;
  private String knownBroker;
  private List<String> members = List.of();
  private int gen;
  private boolean synced;
  private boolean caughtUp;
  private Map<String, Long> target = Map.of();
  private final List<Runnable> onCaughtUp = new ArrayList<>();
  private final ArrayDeque<Pending> outbox = new ArrayDeque<>();
  private List<Pending> inflight;
  private boolean inAir;
  private long nextSeq;
  private final LinkedHashMap<Long, Msg> ackedUnseen = new LinkedHashMap<>();
  private final Map<String, DefaultDistributedMap<?, ?>> maps = new HashMap<>();
  private final List<SeenWaiter> seenWaiters = new ArrayList<>();
  /** The highest id of the topics the broker dropped. */
  private long droppedHigh;
  /** The highs of the topics dropped here lately: one used again starts there. */
  private final Map<String, Long> recentlyDropped = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > DROPPED_REMEMBERED;
    }
  };
  private boolean closed;

  /** One topic of the replica. */
  static final class Replica {
    final String topic;
    final boolean compacted;
    final ConcurrentSkipListMap<Long, Msg> log = new ConcurrentSkipListMap<>();
    final Map<String, Long> byKey = new HashMap<>();
    final List<Sub<?>> subs = new CopyOnWriteArrayList<>();
    final boolean map;
    /** Of a map: the ids of the removal markers held, dropped as the broker says it purged them. */
    final java.util.TreeSet<Long> tombstones = new java.util.TreeSet<>();
    volatile long high;
    volatile long floor;
    long purged;
    /** Dropped by the broker but kept here, in use: the next floor it gets is the topic used again. */
    boolean keptAfterDrop;
    /** While a catch-up sends this map whole: the ids it sent again, up to {@link #resyncUpTo}. */
    java.util.Set<Long> resyncMarks;
    long resyncUpTo;
    long resyncEpoch;
    long resyncCatchUp;

    Replica(String topic, boolean compacted) {
      this.topic = topic;
      this.compacted = compacted;
      this.map = topic.startsWith(MAP_PREFIX);
    }
  }

  /** A publish and its size on the wire (value, topic and key, and room for the message's fields). */
  private record Pending(Pub pub, long bytes, CompletableFuture<Long> future) {}

  private record SeenWaiter(String topic, long id, CompletableFuture<Long> future) {}

  private DefaultClusterBus(Config config) {
    this.config = config;
    this.name = config.name();
    this.mapper = config.mapper() != null ? config.mapper() : JacksonCodec.defaultMapperBuilder().build();
    int frame = config.options().maxFrameLength();
    this.maxMessageBytes = frame - Math.min(64 << 10, frame / 2);
    this.maxChunkBytes = Math.max(1024, frame / 2);
    this.timer = Threads.daemonTimer("cluster-bus-" + name + "-timer");
    if (config.options().callbackExecutor().isPresent()) {
      this.ownCallbacks = null;
      this.callbacks = config.options().callbackExecutor().get();
    } else {
      this.ownCallbacks = Executors.newCachedThreadPool(Threads.daemonFactory("cluster-bus-" + name + "-callback"));
      this.callbacks = ownCallbacks;
    }
    config.topics().forEach((t, o) -> declared.put(t, wire(o)));
    TopicConfig defaults = wire(config.defaults());
    TopicConfig mapConfig = new TopicConfig(Long.MAX_VALUE, config.mapMaxBytes(), 0, true);
    Map<String, TopicConfig> declaredCopy = Map.copyOf(declared);
    var builder = ClusterClient.of(BrokerApi.class)
        .options(config.options().toBuilder().name("bus." + name).build());
    if (config.runtime() != null) {
      builder.runtime(config.runtime());
    }
    this.broker = builder
        .idempotent("hello")
        .idempotent("merge")
        .idempotent("send")
        .idempotent("position")
        .create(() -> new Broker(name, instanceId, seed(), config.recoveryTimeout(), defaults,
            declaredCopy, mapConfig, config.mapTombstoneRetention(), frame, mapper, timer,
            System::currentTimeMillis));
  }

  /**
   * @param config the builder's settings
   * @return a started bus
   */
  public static DefaultClusterBus create(Config config) {
    DefaultClusterBus bus = new DefaultClusterBus(config);
    bus.start();
    return bus;
  }

  private void start() {
    broker.subscribe(new FeedKey(name, instanceId), this::onBatch);
    handle().addListener(new ClusterListener() {
      @Override
      public void roleChanged(ClusterHandle handle, Role role) {
        onRole(role);
      }
    }, timer);
  }

  private static TopicConfig wire(TopicOptions o) {
    return new TopicConfig(o.maxCount(), o.maxBytes(), o.maxAge().toMillis(), o.compacted());
  }

  @Override
  public ClusterHandle handle() {
    return ClusterClient.handle(broker);
  }

  @Override
  public String instanceId() {
    return instanceId;
  }

  @Override
  public CompletableFuture<Void> ready() {
    return ready;
  }

  // ---- publish ----

  @Override
  public CompletableFuture<Long> publish(String topic, String key, Object value) {
    checkTopic(topic);
    if (topic.startsWith(MAP_PREFIX)) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(
          "topics starting with " + MAP_PREFIX + " belong to maps: " + topic));
    }
    return publishInternal(topic, key, value);
  }

  CompletableFuture<Long> publishInternal(String topic, String key, Object value) {
    JsonNode v;
    int bytes;
    try {
      v = value instanceof JsonNode n ? n : mapper.valueToTree(value);
      bytes = mapper.writeValueAsBytes(v).length + topic.length() + (key == null ? 0 : key.length());
    } catch (IllegalArgumentException | JsonProcessingException e) {
      return CompletableFuture.failedFuture(new ClusterCodecException(
          "cannot write a value published to " + topic + ": " + e.getMessage(), e));
    }
    if (bytes > maxMessageBytes) {
      return CompletableFuture.failedFuture(new MessageTooLargeException(
          "a message of " + bytes + " bytes published to " + topic + " is over the bus's limit of "
              + maxMessageBytes + " bytes (maxFrameLength " + config.options().maxFrameLength()
              + " less room for the frame)"));
    }
    CompletableFuture<Long> f = new CompletableFuture<>();
    List<Pending> toSend;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new ClusterClosedException("the bus " + name + " is closed"));
      }
      if (outbox.size() >= config.maxBuffered()) {
        return CompletableFuture.failedFuture(new BusBufferFullException(
            config.maxBuffered() + " publishes of bus " + name + " already wait for the leader"
                + (synced ? "" : " (none is in sync yet)")));
      }
      outbox.add(new Pending(new Pub(++nextSeq, topic, key, v), bytes + MSG_OVERHEAD, f));
      toSend = nextBatch();
    }
    send(toSend);
    return f;
  }

  /** Under the monitor: the batch to send now, or null. */
  private List<Pending> nextBatch() {
    if (closed || !synced || inAir) {
      return null;
    }
    if (inflight == null) {
      if (outbox.isEmpty()) {
        return null;
      }
      List<Pending> batch = new ArrayList<>();
      long bytes = 0;
      while (!outbox.isEmpty() && batch.size() < MAX_BATCH) {
        Pending p = outbox.peek();
        if (!batch.isEmpty() && bytes + p.bytes > maxChunkBytes) {
          break;
        }
        bytes += p.bytes;
        batch.add(outbox.poll());
      }
      inflight = batch;
    }
    inAir = true;
    return inflight;
  }

  private void send(List<Pending> batch) {
    if (batch == null) {
      return;
    }
    List<Pub> pubs = new ArrayList<>(batch.size());
    batch.forEach(p -> pubs.add(p.pub));
    call(() -> broker.send(new Send(instanceId, pubs))).whenCompleteAsync((r, e) -> onSent(batch, r, e), timer);
  }

  private void onSent(List<Pending> batch, SendReply reply, Throwable error) {
    Throwable cause = unwrap(error);
    List<Runnable> completions = new ArrayList<>();
    List<Pending> next;
    synchronized (this) {
      if (inflight != batch) {
        return;
      }
      inAir = false;
      if (cause == null) {
        inflight = null;
        for (int i = 0; i < batch.size(); i++) {
          Pub p = batch.get(i).pub;
          long id = reply.ids().get(i);
          CompletableFuture<Long> f = batch.get(i).future;
          if (id > 0) {
            if (!holds(p.t(), id)) {
              ackedUnseen.put(p.s(), new Msg(p.t(), id, reply.ts(), p.k(), p.v(), instanceId, p.s()));
            }
            completions.add(() -> f.complete(id));
          } else if (id == SendReply.REFUSED) {
            completions.add(() -> f.completeExceptionally(mapFull(p.t())));
          } else {
            completions.add(() -> f.completeExceptionally(new BusException(
                "the publish was accepted earlier, but its id is no longer retained")));
          }
        }
      } else if (closed || isFinal(cause)) {
        inflight = null;
        for (Pending p : batch) {
          completions.add(() -> p.future.completeExceptionally(cause));
        }
      } else {
        LOG.debug("bus {}: a send failed ({}); sending it again", name, cause.toString());
        int g = gen;
        timer.schedule(() -> {
          List<Pending> again;
          synchronized (this) {
            again = g == gen ? nextBatch() : null;
          }
          send(again);
        }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        return; // the retry sends it, after the pause: not at once, in a tight loop
      }
      next = nextBatch();
    }
    complete(completions);
    send(next);
  }

  /**
   * Completes publish futures in order on a callback thread, never on the timer: a caller that
   * blocks in a dependent stage must not stop this instance's sends and retries.
   */
  private void complete(List<Runnable> completions) {
    if (completions.isEmpty()) {
      return;
    }
    try {
      callbacks.execute(() -> completions.forEach(Runnable::run));
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      completions.forEach(Runnable::run);
    }
  }

  private MapFullException mapFull(String topic) {
    return new MapFullException("the leader refused a write to map '" + topic.substring(MAP_PREFIX.length())
        + "': it would take the map over its limit of mapMaxBytes (the leader's setting; " + config.mapMaxBytes()
        + " bytes in this process) of keys and values, removed keys' markers counted until they are purged"
        + " (mapTombstoneRetention, " + config.mapTombstoneRetention() + "). Remove entries, or raise"
        + " ClusterBus.Builder.mapMaxBytes in every process");
  }

  private static boolean isFinal(Throwable cause) {
    return cause instanceof MessageTooLargeException || cause instanceof ClusterCodecException
        || cause instanceof RemoteInvocationException;
  }

  // ---- the feed ----

  /** A batch of the feed (package-private for tests). */
  void onBatch(Batch b) {
    List<Replica> touched = new ArrayList<>();
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (closed || b.epoch() < minEpoch) {
        return;
      }
      knownEpoch = Math.max(knownEpoch, b.epoch());
      knownBroker = b.broker();
      if (b.members() != null) {
        members = b.members();
      }
      // before the messages: a subscriber must see a floor before it sees a message above it
      if (b.reborn() != null) {
        b.reborn().forEach((t, base) -> {
          Replica rt = topic(t);
          if (rt.keptAfterDrop && rt.log.isEmpty()) {
            // used again after it was dropped here, kept for its users: no id in between is its
            rt.high = Math.max(rt.high, base);
            rt.keptAfterDrop = false;
          } else {
            applyFloor(rt, base, touched);
          }
        });
      }
      if (b.floors() != null) {
        b.floors().forEach((t, f) -> applyFloor(topic(t), f, touched));
      }
      if (b.resync() != null) {
        b.resync().forEach((t, n) -> {
          Replica rt = topic(t);
          if (rt.resyncMarks == null || rt.resyncEpoch != b.epoch() || rt.resyncCatchUp != n) {
            // the first batch of this catch-up (one cut short before it is forgotten)
            rt.resyncMarks = new java.util.HashSet<>();
            rt.resyncUpTo = rt.high;
            rt.resyncEpoch = b.epoch();
            rt.resyncCatchUp = n;
          }
        });
      }
      for (Msg m : b.msgs()) {
        Replica rt = topic(m.t());
        if (m.id() <= rt.high) {
          if (rt.resyncMarks != null && m.id() <= rt.resyncUpTo) {
            rt.resyncMarks.add(m.id());
          }
          continue; // seen already (a catch-up overlapping what came live)
        }
        if (rt.compacted && m.k() != null) {
          Long old = rt.byKey.put(m.k(), m.id());
          if (old != null) {
            rt.log.remove(old);
            rt.tombstones.remove(old);
          }
        }
        if (rt.map && m.k() != null && (m.v() == null || m.v().isNull())) {
          rt.tombstones.add(m.id());
        }
        rt.log.put(m.id(), m);
        rt.high = m.id();
        rt.keptAfterDrop = false;
        if (instanceId.equals(m.p())) {
          ackedUnseen.remove(m.s());
        }
        DefaultDistributedMap<?, ?> map = maps.get(m.t());
        if (map != null) {
          map.apply(m);
        }
        for (Sub<?> s : rt.subs) {
          s.appended();
        }
        if (!touched.contains(rt)) {
          touched.add(rt);
        }
      }
      if (b.purged() != null) {
        b.purged().forEach(this::purge);
      }
      if (b.resync() != null && b.members() != null) {
        b.resync().keySet().forEach(t -> endResync(topic(t)));
      }
      if (b.dropped() != null) {
        b.dropped().forEach(this::dropped);
      }
      pruneAckedUnseen();
      for (Iterator<SeenWaiter> it = seenWaiters.iterator(); it.hasNext(); ) {
        SeenWaiter w = it.next();
        if (holds(w.topic, w.id)) {
          it.remove();
          after.add(() -> w.future.complete(w.id));
        }
      }
      checkCaughtUp(after);
    }
    after.forEach(Runnable::run);
    for (Replica rt : touched) {
      rt.subs.forEach(Sub::signal);
    }
  }

  /** Under the monitor: drops the removal markers of a map up to {@code upTo}, as the broker did. */
  private void purge(String t, long upTo) {
    Replica rt = topic(t);
    if (upTo <= rt.purged) {
      return;
    }
    rt.purged = upTo;
    rt.high = Math.max(rt.high, upTo); // the newest may have been a marker: the catch-up does not send it
    for (Iterator<Long> it = rt.tombstones.headSet(upTo, true).iterator(); it.hasNext(); ) {
      Msg m = rt.log.remove(it.next());
      it.remove();
      if (m != null && Long.valueOf(m.id()).equals(rt.byKey.get(m.k()))) {
        rt.byKey.remove(m.k());
      }
    }
  }

  /**
   * Under the monitor: the catch-up that sent a map whole is over; what this replica holds up to where
   * it stood and the catch-up did not send again is gone from the broker (a removal whose marker was
   * purged while this process was out of touch): it goes here too.
   */
  private void endResync(Replica rt) {
    if (rt.resyncMarks == null) {
      return;
    }
    int dropped = 0;
    for (Msg m : new ArrayList<>(rt.log.headMap(rt.resyncUpTo, true).values())) {
      if (rt.resyncMarks.contains(m.id())) {
        continue;
      }
      rt.log.remove(m.id());
      rt.tombstones.remove(m.id());
      dropped++;
      if (m.k() != null && Long.valueOf(m.id()).equals(rt.byKey.get(m.k()))) {
        rt.byKey.remove(m.k());
        DefaultDistributedMap<?, ?> map = maps.get(rt.topic);
        if (map != null) {
          map.forget(m.k());
        }
      }
    }
    rt.resyncMarks = null;
    if (dropped > 0) {
      LOG.info("bus {}: {} entries of {} were removed while this process was out of touch", name, dropped,
          rt.topic);
    }
  }

  /** Under the monitor: retention dropped the topic's messages up to {@code f}. */
  private static void applyFloor(Replica rt, long f, List<Replica> touched) {
    if (f <= rt.floor) {
      return;
    }
    rt.floor = f;
    var head = rt.log.headMap(f, true);
    for (Msg m : head.values()) {
      if (m.k() != null && m.id() == rt.byKey.getOrDefault(m.k(), -1L)) {
        rt.byKey.remove(m.k());
      }
    }
    head.clear();
    rt.tombstones.headSet(f, true).clear();
    rt.high = Math.max(rt.high, f);
    rt.keptAfterDrop = false;
    if (!touched.contains(rt)) {
      touched.add(rt);
    }
  }

  /**
   * Under the monitor: forgets the acknowledged publishes that the replica has passed without getting
   * them (retention dropped them first, or a new leader could no longer take them): no merge needs them.
   */
  private void pruneAckedUnseen() {
    ackedUnseen.values().removeIf(m -> holds(m.t(), m.id()));
  }

  /**
   * Under the monitor: the broker dropped a topic that retention emptied. This replica drops it too,
   * unless something here uses it (subscribers, a map, a publish waiting to be seen): then it keeps it,
   * empty, and takes the topic's next use as following on from where it stood.
   */
  private void dropped(String t, long high) {
    droppedHigh = Math.max(droppedHigh, high);
    Replica rt = topics.get(t);
    if (rt == null) {
      return;
    }
    if (inUse(rt)) {
      rt.keptAfterDrop = true;
    } else {
      forget(rt, high);
    }
  }

  /**
   * A subscriber of the topic left. A topic that the broker dropped and this replica kept only for its
   * users goes once none is left, as it would have gone when the broker dropped it.
   */
  synchronized void released(Replica rt) {
    if (!closed && topics.get(rt.topic) == rt && rt.keptAfterDrop && !inUse(rt)) {
      forget(rt, rt.high);
    }
  }

  /** Under the monitor: whether something here uses the topic (messages, subscribers, a map, a waiter). */
  private boolean inUse(Replica rt) {
    return !rt.log.isEmpty() || !rt.subs.isEmpty() || maps.containsKey(rt.topic)
        || seenWaiters.stream().anyMatch(w -> w.topic.equals(rt.topic));
  }

  /** Under the monitor: drops the topic's replica, remembering where it stood for its next use. */
  private void forget(Replica rt, long high) {
    topics.remove(rt.topic);
    recentlyDropped.put(rt.topic, high);
  }

  /**
   * Under the monitor: whether this replica holds topic {@code t} up to {@code id}, without creating
   * it: a topic it does not have was dropped, as every id up to {@code droppedHigh}.
   */
  private boolean holds(String t, long id) {
    Replica rt = topics.get(t);
    return rt == null ? id <= droppedHigh : rt.high >= id;
  }

  /** Under the monitor: the topic's replica, created if need be. */
  Replica topic(String t) {
    return topics.computeIfAbsent(t, k -> {
      Replica rt = new Replica(k, k.startsWith(MAP_PREFIX)
          || declared.getOrDefault(k, wire(config.defaults())).compacted());
      Long dropped = recentlyDropped.remove(k);
      if (dropped != null) {
        // dropped here at its floor: a subscriber resuming from before hears of the gap at once
        rt.floor = dropped;
        rt.high = dropped;
        rt.keptAfterDrop = true;
      }
      return rt;
    });
  }

  /** Called by the factory in this process when it becomes the leader: the broker's start. */
  synchronized Seed seed() {
    Map<String, List<Msg>> msgs = new HashMap<>();
    Map<String, Long> floors = new HashMap<>();
    Map<String, Long> purged = new HashMap<>();
    topics.forEach((t, rt) -> {
      msgs.put(t, new ArrayList<>(rt.log.values()));
      if (rt.floor > 0) {
        floors.put(t, rt.floor);
      }
      if (rt.purged > 0) {
        purged.put(t, rt.purged);
      }
    });
    return new Seed(msgs, floors, purged, droppedHigh, knownEpoch, knownBroker, members);
  }

  // ---- sync with each leader ----

  private void onRole(Role role) {
    int g;
    synchronized (this) {
      if (closed) {
        return;
      }
      g = ++gen;
      synced = false;
      caughtUp = false;
    }
    if (role == Role.LEADER || role == Role.FOLLOWER) {
      hello(g);
    } else if (role == Role.CLOSED) {
      close();
    }
  }

  private void hello(int g) {
    Hello h;
    synchronized (this) {
      if (g != gen || closed) {
        return;
      }
      Map<String, Long> highs = new HashMap<>();
      // a map whose catch-up was cut short says where it stood before it: it gets the map whole again
      topics.forEach((t, rt) -> highs.put(t, rt.resyncMarks != null ? Math.min(rt.high, rt.resyncUpTo) : rt.high));
      h = new Hello(instanceId, highs, Map.copyOf(declared));
    }
    call(() -> broker.hello(h)).whenCompleteAsync((r, e) -> onHello(g, r, e), timer);
  }

  private void retrySync(int g, Throwable e) {
    if (closed || g != gen) {
      return;
    }
    LOG.debug("bus {}: sync with the leader failed ({}); trying again", name, String.valueOf(e));
    timer.schedule(() -> hello(g), RETRY_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Under the monitor: whether a step of sync generation {@code g} ends here, because a newer role
   * event or close made it stale, or because it failed (then the sync starts again).
   */
  private boolean stops(int g, Throwable e) {
    if (g != gen || closed) {
      return true;
    }
    if (e != null) {
      retrySync(g, e);
      return true;
    }
    return false;
  }

  private void onHello(int g, HelloReply r, Throwable e) {
    List<List<Msg>> chunks = new ArrayList<>();
    synchronized (this) {
      if (stops(g, e)) {
        return;
      }
      minEpoch = Math.max(minEpoch, r.epoch());
      target = r.highs();
      List<Msg> lacking = new ArrayList<>();
      topics.forEach((t, rt) -> lacking.addAll(rt.log.tailMap(r.highs().getOrDefault(t, 0L), false).values()));
      for (Msg m : ackedUnseen.values()) {
        Replica rt = topics.get(m.t());
        if (m.id() > r.highs().getOrDefault(m.t(), 0L) && (rt == null || !rt.log.containsKey(m.id()))) {
          lacking.add(m);
        }
      }
      lacking.sort(Comparator.comparing(Msg::t).thenComparingLong(Msg::id));
      List<Msg> chunk = new ArrayList<>();
      long bytes = 0;
      for (Msg m : lacking) {
        // characters, times 3: what they take in UTF-8 at most (no exact size is kept per message)
        long b = MSG_OVERHEAD + 3L * (m.t().length() + (m.k() == null ? 0 : m.k().length())
            + (m.v() == null ? 4 : m.v().toString().length()));
        if (!chunk.isEmpty() && bytes + b > maxChunkBytes) {
          chunks.add(chunk);
          chunk = new ArrayList<>();
          bytes = 0;
        }
        chunk.add(m);
        bytes += b;
      }
      chunks.add(chunk);
      if (!lacking.isEmpty()) {
        LOG.info("bus {}: bringing the new leader {} messages it lacks", name, lacking.size());
      }
    }
    merge(g, chunks, 0);
  }

  private void merge(int g, List<List<Msg>> chunks, int i) {
    Merge merge = new Merge(instanceId, chunks.get(i), i == chunks.size() - 1);
    call(() -> broker.merge(merge)).whenCompleteAsync((ok, e) -> {
      List<Runnable> after = new ArrayList<>();
      List<Pending> batch;
      synchronized (this) {
        if (stops(g, e)) {
          return;
        }
        if (i + 1 < chunks.size()) {
          batch = null;
        } else {
          synced = true;
          checkCaughtUp(after);
          batch = nextBatch();
        }
      }
      if (i + 1 < chunks.size()) {
        merge(g, chunks, i + 1);
        return;
      }
      after.forEach(Runnable::run);
      send(batch);
    }, timer);
  }

  /** Under the monitor. */
  private void checkCaughtUp(List<Runnable> after) {
    if (!synced || caughtUp) {
      return;
    }
    for (Map.Entry<String, Long> e : target.entrySet()) {
      if (!holds(e.getKey(), e.getValue())) {
        return;
      }
    }
    caughtUp = true;
    after.addAll(onCaughtUp);
    onCaughtUp.clear();
    after.add(() -> ready.complete(null));
  }

  /**
   * Completes once this instance is in sync with a leader and its replica holds everything the leader
   * had accepted for the topic when it answered: what a subscription or a backlog read waits for.
   */
  private CompletableFuture<Void> confirmed(String topic) {
    synchronized (this) {
      if (!caughtUp && onCaughtUp.size() >= config.maxBuffered()) {
        return CompletableFuture.failedFuture(new BusBufferFullException(config.maxBuffered()
            + " subscriptions and backlog reads of bus " + name + " already wait for a leader"));
      }
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    whenCaughtUp(() -> askPosition(topic, done));
    return done;
  }

  private void askPosition(String topic, CompletableFuture<Void> done) {
    call(() -> broker.position(topic)).whenCompleteAsync((high, e) -> {
      if (isClosed()) {
        done.completeExceptionally(new ClusterClosedException("the bus " + name + " is closed"));
      } else if (e != null) {
        LOG.debug("bus {}: asking the leader about {} failed ({}); asking again", name, topic, e.toString());
        timer.schedule(() -> whenCaughtUp(() -> askPosition(topic, done)), RETRY_MILLIS, TimeUnit.MILLISECONDS);
      } else {
        seen(topic, high).whenComplete((id, e2) -> {
          if (e2 != null) {
            done.completeExceptionally(e2);
          } else {
            done.complete(null);
          }
        });
      }
    }, timer);
  }

  /** Runs {@code action} (outside the monitor) once this instance is caught up with a leader. */
  private void whenCaughtUp(Runnable action) {
    synchronized (this) {
      if (!caughtUp) {
        onCaughtUp.add(action);
        return;
      }
    }
    action.run();
  }

  // ---- subscribers ----

  @Override
  public <T> CompletableFuture<Subscription> subscribe(
      String topic, Class<T> type, From from, MessageListener<? super T> listener) {
    checkTopic(topic);
    CompletableFuture<Subscription> f = new CompletableFuture<>();
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new ClusterClosedException("the bus " + name + " is closed"));
      }
    }
    Sub<T> s = new Sub<>(this, topic, type, from, listener);
    confirmed(topic).whenComplete((ok, e) -> {
      if (e != null) {
        f.completeExceptionally(e);
        return;
      }
      synchronized (this) {
        if (closed) {
          f.completeExceptionally(new ClusterClosedException("the bus " + name + " is closed"));
          return;
        }
        s.start(topic(topic));
      }
      f.complete(s);
      s.signal();
    });
    return f;
  }

  @Override
  public <T> CompletableFuture<List<Message<T>>> backlog(String topic, Class<T> type, int count) {
    checkTopic(topic);
    CompletableFuture<List<Message<T>>> f = new CompletableFuture<>();
    confirmed(topic).whenComplete((ok, err) -> {
      if (err != null) {
        f.completeExceptionally(err);
        return;
      }
      try {
        List<Message<T>> out = new ArrayList<>();
        Replica rt = topics.get(topic); // a read creates no topic
        for (Msg m : rt == null ? List.<Msg>of() : rt.log.descendingMap().values()) {
          if (out.size() >= count) {
            break;
          }
          out.add(new Message<>(m.t(), m.id(), m.ts(), m.k(), decode(m.v(), type)));
        }
        java.util.Collections.reverse(out);
        f.complete(out);
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    return f;
  }

  <T> T decode(JsonNode v, Class<T> type) {
    try {
      return v == null || v.isNull() ? null : mapper.treeToValue(v, type);
    } catch (JsonProcessingException e) {
      throw new ClusterCodecException("cannot read a message as " + type.getName() + ": " + e.getMessage(), e);
    }
  }

  Executor callbacks() {
    return callbacks;
  }

  int subscriberMaxLag() {
    return config.subscriberMaxLag();
  }

  // ---- maps ----

  @Override
  @SuppressWarnings("unchecked")
  public <K, V> DistributedMap<K, V> map(String mapName, Class<K> keyType, Class<V> valueType) {
    checkTopic(mapName);
    String topic = MAP_PREFIX + mapName;
    synchronized (this) {
      DefaultDistributedMap<?, ?> existing = maps.get(topic);
      if (existing != null) {
        return existing.as(keyType, valueType);
      }
      DefaultDistributedMap<K, V> map = new DefaultDistributedMap<>(this, topic, keyType, valueType, mapper);
      for (Msg m : topic(topic).log.values()) {
        map.apply(m);
      }
      maps.put(topic, map);
      return map;
    }
  }

  /** Completes with {@code id} once this replica holds the topic up to it. */
  CompletableFuture<Long> seen(String topic, long id) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    synchronized (this) {
      if (!holds(topic, id)) {
        seenWaiters.add(new SeenWaiter(topic, id, f));
        return f;
      }
    }
    f.complete(id);
    return f;
  }

  // ---- close ----

  @Override
  public void close() {
    List<CompletableFuture<?>> pending = new ArrayList<>();
    List<Sub<?>> subs = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      outbox.forEach(p -> pending.add(p.future));
      outbox.clear();
      if (inflight != null) {
        inflight.forEach(p -> pending.add(p.future));
        inflight = null;
      }
      seenWaiters.forEach(w -> pending.add(w.future));
      seenWaiters.clear();
      topics.values().forEach(rt -> subs.addAll(rt.subs));
      onCaughtUp.clear();
    }
    ClusterClosedException e = new ClusterClosedException("the bus " + name + " is closed");
    pending.forEach(f -> f.completeExceptionally(e));
    ready.completeExceptionally(e);
    subs.forEach(Sub::close);
    try {
      handle().close();
    } finally {
      timer.shutdownNow();
      if (ownCallbacks != null) {
        ownCallbacks.shutdown();
      }
    }
  }

  /** For tests: the topics of the replica. */
  java.util.Set<String> topics() {
    return java.util.Set.copyOf(topics.keySet());
  }

    synchronized boolean isClosed() {
    return closed;
  }

  private static void checkTopic(String topic) {
    if (topic == null || topic.isEmpty() || topic.length() > 200) {
      throw new IllegalArgumentException("a topic must have 1 to 200 characters: " + topic);
    }
  }

  /** A call to the broker whose synchronous failure (closed, say) fails the future instead. */
  private static <T> CompletableFuture<T> call(java.util.function.Supplier<CompletableFuture<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
