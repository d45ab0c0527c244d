package io.clusterclient.internal.bus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.ClusterClosedException;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus's real client, in the leader's process only: it holds every topic's retained backlog, gives
 * ids, and pushes each instance its feed. Thread-safe: one monitor guards all of its state, and feeds
 * are pushed under it, so every instance hears its batches in the order they were made.
 *
 * <p>A new broker starts from its own process's replica, then runs a <em>recovery window</em>: until
 * every other instance that followed the previous broker has said hello and merged what it holds that
 * this broker lacks (or {@code recoveryTimeout} has passed), it holds publishes and feeds. So no new id
 * is handed out while an older message may still come in, and every subscriber sees ids in order.
 */
final class Broker implements BrokerApi {
  private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
  private static final int MAX_ID_CHARS = 64;
  private static final int MAX_TOPIC_CHARS = 256;
  private static final int MAX_KEY_CHARS = 4096;
  private static final int DEDUPE_PER_PUBLISHER = 4096;
  private static final int DEDUPE_PUBLISHERS = 10_000;
  private static final int DROPPED_TOPICS = 10_000;
  /** How long a publisher without a feed here is remembered after its last publish. */
  static final long PUBLISHER_FORGET_MS = 5 * 60_000L;
  private static final int MSG_OVERHEAD = 160;
  private static final int MAX_PUBS = 100_000;

  private final String busName;
  private final String self;
  private final ObjectMapper sizer;
  private final TopicConfig defaults;
  private final TopicConfig mapConfig;
  private final long tombstoneRetentionMs;
  private final Map<String, TopicConfig> declared = new HashMap<>();
  private final int maxChunkBytes;
  private final LongSupplier clock;
  private final ScheduledFuture<?> sweeper;

  private final Map<String, Log> topics = new HashMap<>();
  private final Map<String, Inst> instances = new HashMap<>();
  private final List<String> members = new ArrayList<>();
  /** Per publishing instance, least recently active first; at most {@code DEDUPE_PUBLISHERS}. */
  private final Map<String, Publisher> publishers =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Publisher> eldest) {
          if (size() > DEDUPE_PUBLISHERS) {
            forgotten.add(eldest.getKey());
            return true;
          }
          return false;
        }
      };
  /** Publishers forgotten lately: one that sends again has its state rebuilt from the log. */
  private final Set<String> forgotten = java.util.Collections.newSetFromMap(
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > DEDUPE_PUBLISHERS;
        }
      });

  private final long startedNanos = System.nanoTime();
  private long epoch;
  private boolean recovering;
  private final Set<String> expected = new HashSet<>();
  private final List<Msg> collected = new ArrayList<>();
  private final List<Runnable> held = new ArrayList<>();
  private ScheduledFuture<?> recoveryTimer;
  private boolean closed;

  // the batch being built, pushed by flush()
  private final List<Msg> out = new ArrayList<>();
  private final Map<String, Long> floorsOut = new HashMap<>();
  private final Map<String, Long> purgedOut = new HashMap<>();
  private final Map<String, Long> droppedOut = new HashMap<>();
  private final Map<String, Long> rebornOut = new HashMap<>();
  /** The topics dropped lately, each with its own highest id; at most {@code DROPPED_TOPICS}. */
  private final Map<String, Long> droppedTopics = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > DROPPED_TOPICS;
    }
  };
  /** The highest id of every topic dropped: a topic created again starts above it. */
  private long droppedHigh;
  private boolean membersChanged;
  private long catchUps;

  private static final class Log {
    final TreeMap<Long, Integer> sizes = new TreeMap<>();
    final TreeMap<Long, Msg> entries = new TreeMap<>();
    final Map<String, Long> byKey = new HashMap<>();
    /** Of a map: the ids of its removal markers, purged oldest first once older than the retention. */
    final java.util.TreeSet<Long> tombstones = new java.util.TreeSet<>();
    long bytes;
    long high;
    long floor;
    long purged;
    /** Of a topic used again after it was dropped: the id its ids start above (0: none). */
    long born;
  }

  /**
   * What the broker remembers of one publishing instance, to recognise a publish sent again: the
   * highest sequence it stored, and the ids of its newest sequences. A publisher keeps one batch in
   * flight and sends the next only once the previous was answered, so a batch with new sequences
   * lets the broker forget the ids of the sequences before it.
   */
  private static final class Publisher {
    final TreeMap<Long, Long> recent = new TreeMap<>();
    long lastSeq;
    long lastActive;
  }

  private static final class Inst {
    Consumer<Batch> feed;
    Map<String, Long> highs;
    boolean live;
    long since;
  }

  Broker(
      String busName, String self, Seed seed, Duration recoveryTimeout, TopicConfig defaults,
      Map<String, TopicConfig> declared, TopicConfig mapConfig, Duration tombstoneRetention,
      int maxFrameLength, ObjectMapper sizer, ScheduledExecutorService timer, LongSupplier clock) {
    this.busName = busName;
    this.self = self;
    this.sizer = sizer;
    this.defaults = defaults;
    this.mapConfig = mapConfig;
    this.tombstoneRetentionMs = tombstoneRetention.toMillis();
    this.declared.putAll(declared);
    this.maxChunkBytes = Math.max(1024, maxFrameLength / 2);
    this.clock = clock;
    long maxSeen = Math.max(seed.epoch(), Ids.epochOf(seed.dropped()));
    for (Map.Entry<String, List<Msg>> e : seed.msgs().entrySet()) {
      Log log = log(e.getKey());
      for (Msg m : e.getValue()) {
        maxSeen = Math.max(maxSeen, Ids.epochOf(m.id()));
        append(e.getKey(), log, m);
      }
    }
    seed.floors().forEach((t, f) -> {
      Log log = log(t);
      log.floor = Math.max(log.floor, f);
      log.high = Math.max(log.high, f);
    });
    seed.purged().forEach((t, p) -> {
      Log log = log(t);
      log.purged = Math.max(log.purged, p);
      log.high = Math.max(log.high, p);
    });
    this.droppedHigh = seed.dropped(); // after the seed's topics: they keep their own floors
    out.clear();
    floorsOut.clear();
    this.epoch = Ids.nextEpoch(maxSeen, clock.getAsLong());
    for (String m : seed.members()) {
      if (!m.equals(self) && !m.equals(seed.broker())) {
        expected.add(m);
      }
    }
    synchronized (this) {
      if (!expected.isEmpty()) {
        recovering = true;
        recoveryTimer = timer.schedule(
            () -> closeRecovery("the recovery timeout passed"),
            recoveryTimeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    LOG.info("bus {}: broker of epoch {} starts from {} topics{}", busName, epoch, topics.size(),
        expected.isEmpty() ? "" : ", waiting for " + expected.size() + " instances to merge");
    this.sweeper = timer.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
  }

  @Override
  public void subscribe(FeedKey key, Consumer<Batch> feed) {
    checkKey(key);
    synchronized (this) {
      if (closed) {
        return;
      }
      Inst inst = instances.computeIfAbsent(key.instance(), k -> newInst());
      inst.feed = feed;
      inst.live = false;
      if (inst.highs != null && !recovering) {
        startFeed(key.instance(), inst);
      }
    }
  }

  @Override
  public void unsubscribe(FeedKey key) {
    checkKey(key);
    synchronized (this) {
      Inst inst = instances.remove(key.instance());
      Publisher pub = publishers.get(key.instance());
      if (pub != null) {
        pub.lastActive = clock.getAsLong(); // it may come back with a send to repeat: the window starts now
      }
      if (inst != null && members.remove(key.instance())) {
        membersChanged = true;
        flush();
      }
      if (recovering && expected.remove(key.instance())) {
        closeRecoveryIfDone();
      }
    }
  }

  @Override
  public CompletableFuture<HelloReply> hello(Hello hello) {
    checkId(hello.instance());
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new ClusterClosedException("the bus broker is closed"));
      }
      if (hello.topics() != null) {
        hello.topics().forEach((t, c) -> {
          checkTopic(t);
          declared.put(t, c);
        });
      }
      Inst inst = instances.computeIfAbsent(hello.instance(), k -> newInst());
      Map<String, Long> highs = new HashMap<>();
      if (hello.highs() != null) {
        hello.highs().forEach((t, h) -> {
          checkTopic(t);
          highs.put(t, h);
          if (recovering) {
            epoch = Math.max(epoch, Ids.epochOf(h) + 1);
          }
        });
      }
      inst.highs = highs;
      HelloReply reply = new HelloReply(epoch, self, highs(), floors());
      if (inst.feed != null && !recovering) {
        startFeed(hello.instance(), inst);
      }
      return CompletableFuture.completedFuture(reply);
    }
  }

  @Override
  public CompletableFuture<Boolean> merge(Merge merge) {
    checkId(merge.instance());
    List<Msg> msgs = merge.msgs() == null ? List.of() : merge.msgs();
    msgs.forEach(this::checkMsg);
    synchronized (this) {
      if (recovering) {
        collected.addAll(msgs);
        if (merge.last()) {
          expected.remove(merge.instance());
          closeRecoveryIfDone();
        }
      } else {
        int added = appendNewer(msgs);
        if (added > 0) {
          LOG.info("bus {}: {} merged {} messages after recovery", busName, merge.instance(), added);
        }
        flush();
      }
    }
    return CompletableFuture.completedFuture(Boolean.TRUE);
  }

  @Override
  public CompletableFuture<SendReply> send(Send send) {
    checkId(send.instance());
    if (send.pubs() == null || send.pubs().size() > MAX_PUBS) {
      throw new IllegalArgumentException("a send must carry 0 to " + MAX_PUBS + " publishes");
    }
    for (Pub p : send.pubs()) {
      checkTopic(p.t());
      if (p.k() != null && p.k().length() > MAX_KEY_CHARS) {
        throw new IllegalArgumentException("a key longer than " + MAX_KEY_CHARS + " characters");
      }
    }
    CompletableFuture<SendReply> answer = new CompletableFuture<>();
    synchronized (this) {
      if (closed) {
        answer.completeExceptionally(new ClusterClosedException("the bus broker is closed"));
      } else if (recovering) {
        held.add(() -> answer.complete(accept(send)));
      } else {
        answer.complete(accept(send));
      }
    }
    return answer;
  }

  @Override
  public CompletableFuture<Long> position(String topic) {
    checkTopic(topic);
    synchronized (this) {
      Log log = topics.get(topic);
      return CompletableFuture.completedFuture(log == null ? 0L : log.high);
    }
  }

  @Override
  public void close() {
    List<Runnable> dropped;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      sweeper.cancel(false);
      if (recoveryTimer != null) {
        recoveryTimer.cancel(false);
      }
      dropped = new ArrayList<>(held);
      held.clear();
    }
    // held answers are never completed: the followers see the leader lost, and send them again
    LOG.debug("bus {}: broker of epoch {} closed, {} held sends dropped", busName, epoch, dropped.size());
  }

  // ---- under the monitor ----

  private SendReply accept(Send send) {
    long ts = clock.getAsLong();
    List<Long> ids = new ArrayList<>(send.pubs().size());
    Publisher pub = publisher(send);
    pub.lastActive = ts;
    if (!send.pubs().isEmpty() && send.pubs().get(0).s() > pub.lastSeq) {
      pub.recent.headMap(send.pubs().get(0).s()).clear(); // answered: never sent again
    }
    for (Pub p : send.pubs()) {
      Long dup = pub.recent.get(p.s());
      if (dup != null) {
        ids.add(dup);
        continue;
      }
      if (p.s() <= pub.lastSeq) {
        ids.add(SendReply.DUPLICATE);
        continue;
      }
      Log log = topics.computeIfAbsent(p.t(), this::newTopic);
      if (isMap(p.t()) && overLimit(log, p)) {
        record(pub, p.s(), SendReply.REFUSED);
        ids.add(SendReply.REFUSED);
        continue;
      }
      long id = Math.max(log.high + 1, Ids.id(epoch, 1));
      Msg m = new Msg(p.t(), id, ts, p.k(), p.v(), send.instance(), p.s());
      append(p.t(), log, m);
      ids.add(id);
    }
    flush();
    return new SendReply(ids, ts);
  }

  private int appendNewer(List<Msg> msgs) {
    List<Msg> sorted = new ArrayList<>(msgs);
    sorted.sort(Comparator.comparing(Msg::t).thenComparingLong(Msg::id));
    int added = 0;
    for (Msg m : sorted) {
      Log log = topics.get(m.t());
      if (log == null) {
        Long own = droppedTopics.get(m.t());
        if (own != null && m.id() <= own) {
          continue; // of a topic dropped here since (retention had dropped it): not brought back
        }
        log = own != null ? topics.computeIfAbsent(m.t(), this::newTopic) : log(m.t());
      }
      if (m.id() > log.high) {
        append(m.t(), log, m);
        added++;
      }
    }
    return added;
  }

  private void closeRecoveryIfDone() {
    if (recovering && expected.isEmpty()) {
      closeRecovery("every instance merged");
    }
  }

  private synchronized void closeRecovery(String why) {
    if (!recovering || closed) {
      return;
    }
    recovering = false;
    if (recoveryTimer != null) {
      recoveryTimer.cancel(false);
    }
    for (Msg m : collected) {
      epoch = Math.max(epoch, Ids.epochOf(m.id()) + 1);
    }
    int added = appendNewer(collected);
    collected.clear();
    out.clear(); // no instance is live yet: each gets everything from its catch-up
    LOG.info("bus {}: recovery of epoch {} closed after {} ms ({}), {} messages merged{}", busName, epoch,
        (System.nanoTime() - startedNanos) / 1_000_000, why, added,
        expected.isEmpty() ? "" : "; no merge from " + expected);
    expected.clear();
    instances.forEach((id, inst) -> {
      if (inst.feed != null && inst.highs != null) {
        startFeed(id, inst);
      }
    });
    List<Runnable> go = new ArrayList<>(held);
    held.clear();
    go.forEach(Runnable::run);
  }

  private void startFeed(String id, Inst inst) {
    flush(); // what was pending goes to the instances already live, not twice to this one
    List<Msg> chunk = new ArrayList<>();
    long chunkBytes = 0;
    Map<String, Long> floors = floors();
    Map<String, Long> reborn = reborn();
    // topics this instance holds that were dropped here meanwhile: it drops what it holds of them
    Map<String, Long> dropped = new HashMap<>();
    for (String t : inst.highs.keySet()) {
      Long own = topics.containsKey(t) ? null : droppedTopics.get(t);
      if (own != null) {
        floors.put(t, own);
        dropped.put(t, own);
      }
    }
    // purged in the last chunk only: it raises the instance's high, past which it takes nothing more
    Map<String, Long> purged = purged();
    // an instance below a map's purged markers may hold a key whose removal it never got: it gets
    // the map whole, and drops what it holds that is not sent again
    Map<String, Long> resync = new HashMap<>();
    long catchUp = ++catchUps;
    topics.forEach((t, log) -> {
      long from = inst.highs.getOrDefault(t, 0L);
      if (from > 0 && from < log.purged) {
        resync.put(t, catchUp);
      }
    });
    Map<String, Long> resyncs = resync.isEmpty() ? null : Map.copyOf(resync);
    for (Map.Entry<String, Log> e : topics.entrySet()) {
      Log log = e.getValue();
      long from = resync.containsKey(e.getKey()) ? 0L : inst.highs.getOrDefault(e.getKey(), 0L);
      for (Map.Entry<Long, Msg> m : log.entries.tailMap(from, false).entrySet()) {
        chunk.add(m.getValue());
        chunkBytes += log.sizes.get(m.getKey()) + MSG_OVERHEAD + e.getKey().length();
        if (chunkBytes >= maxChunkBytes) {
          push(inst, new Batch(epoch, self, chunk, floors, null, null, resyncs, null, reborn));
          chunk = new ArrayList<>();
          chunkBytes = 0;
          floors = Map.of();
          reborn = null;
        }
      }
    }
    inst.live = true;
    if (!members.contains(id)) {
      members.add(id);
    }
    membersChanged = true;
    push(inst, new Batch(epoch, self, chunk, floors, List.copyOf(members), purged, resyncs,
        dropped.isEmpty() ? null : dropped, reborn));
    flush();
  }

  private void flush() {
    if (out.isEmpty() && floorsOut.isEmpty() && purgedOut.isEmpty() && droppedOut.isEmpty()
        && rebornOut.isEmpty() && !membersChanged) {
      return;
    }
    Batch b = new Batch(epoch, self, List.copyOf(out), Map.copyOf(floorsOut),
        membersChanged ? List.copyOf(members) : null, purgedOut.isEmpty() ? null : Map.copyOf(purgedOut), null,
        droppedOut.isEmpty() ? null : Map.copyOf(droppedOut), rebornOut.isEmpty() ? null : Map.copyOf(rebornOut));
    out.clear();
    floorsOut.clear();
    rebornOut.clear();
    purgedOut.clear();
    droppedOut.clear();
    membersChanged = false;
    for (Inst inst : instances.values()) {
      if (inst.live) {
        push(inst, b);
      }
    }
  }

  private void push(Inst inst, Batch b) {
    try {
      inst.feed.accept(b);
    } catch (RuntimeException e) {
      LOG.warn("bus {}: cannot push to an instance: {}", busName, e.toString());
    }
  }

  private void append(String topic, Log log, Msg m) {
    TopicConfig c = config(topic);
    boolean map = isMap(topic);
    if (c.compacted() && m.k() != null) {
      Long old = log.byKey.put(m.k(), m.id());
      if (old != null) {
        log.entries.remove(old);
        log.tombstones.remove(old);
        Integer size = log.sizes.remove(old);
        log.bytes -= size == null ? 0 : size;
      }
    }
    int size = size(m.k(), m.v());
    if (map && isTombstone(m)) {
      log.tombstones.add(m.id());
    }
    log.entries.put(m.id(), m);
    log.sizes.put(m.id(), size);
    log.bytes += size;
    log.high = Math.max(log.high, m.id());
    if (m.p() != null) {
      remember(publishers.computeIfAbsent(m.p(), p -> new Publisher()), m);
    }
    out.add(m);
    // a map is never cut by size (a write over its limit is refused instead): every replica holds
    // every entry, and a process that starts later gets them all
    while (log.entries.size() > c.maxCount() || (!map && log.bytes > c.maxBytes() && log.entries.size() > 1)) {
      evictFirst(topic, log);
    }
  }

  private void evictFirst(String topic, Log log) {
    Map.Entry<Long, Msg> first = log.entries.pollFirstEntry();
    log.bytes -= log.sizes.remove(first.getKey());
    log.tombstones.remove(first.getKey());
    Msg m = first.getValue();
    if (m.k() != null && first.getKey().equals(log.byKey.get(m.k()))) {
      log.byKey.remove(m.k());
    }
    log.floor = Math.max(log.floor, first.getKey());
    floorsOut.put(topic, log.floor);
  }

  /**
   * Every second: retention by age, and what the broker remembers of idle publishers. It never throws:
   * the timer would stop running it.
   */
  void sweep() {
    try {
      sweepNow();
    } catch (RuntimeException e) {
      LOG.error("bus {}: the broker's sweep failed; it runs again in a second", busName, e);
    }
  }

  private void sweepNow() {
    synchronized (this) {
      if (closed || recovering) {
        return;
      }
      long now = clock.getAsLong();
      // a hello sent again after its instance left leaves one without a feed: it is not coming back
      instances.values().removeIf(i -> i.feed == null && now - i.since > PUBLISHER_FORGET_MS);
      forgetIdlePublishers(now);
      topics.forEach((t, log) -> {
        if (isMap(t)) {
          purgeTombstones(t, log, now);
        }
        long maxAge = config(t).maxAgeMs();
        if (maxAge > 0) {
          while (!log.entries.isEmpty() && log.entries.firstEntry().getValue().ts() < now - maxAge) {
            evictFirst(t, log);
          }
        }
      });
      dropEmptyTopics();
      flush();
    }
  }

  /**
   * Drops a map's removal markers older than the retention, oldest id first, and tells every replica
   * up to which id: each drops the same ones, those it holds up to there.
   */
  private void purgeTombstones(String topic, Log log, long now) {
    while (!log.tombstones.isEmpty()) {
      long id = log.tombstones.first();
      Msg m = log.entries.get(id);
      if (m.ts() > now - tombstoneRetentionMs) {
        return;
      }
      log.tombstones.pollFirst();
      log.entries.remove(id);
      log.bytes -= log.sizes.remove(id);
      if (Long.valueOf(id).equals(log.byKey.get(m.k()))) {
        log.byKey.remove(m.k());
      }
      log.purged = id;
      purgedOut.put(topic, id);
    }
  }

  /**
   * Whether a write to a map would take it over its limit. A removal of a key that holds a value is
   * never refused: its marker is not larger but for a few bytes, and it goes after the retention.
   */
  private boolean overLimit(Log log, Pub p) {
    Long old = p.k() == null ? null : log.byKey.get(p.k());
    boolean removal = p.v() == null || p.v().isNull();
    if (removal && old != null && !log.tombstones.contains(old)) {
      return false;
    }
    long freed = old == null ? 0 : log.sizes.get(old);
    return log.bytes - freed + size(p.k(), p.v()) > mapConfig.maxBytes();
  }

  private static boolean isMap(String topic) {
    return topic.startsWith(DefaultClusterBus.MAP_PREFIX);
  }

  private static boolean isTombstone(Msg m) {
    return m.k() != null && (m.v() == null || m.v().isNull());
  }

  /**
   * Drops the topics that retention emptied (maps excepted), so that neither the broker nor the hello
   * replies grow with every topic ever used. Each replica drops its copy unless it has subscribers.
   */
  private void dropEmptyTopics() {
    for (Iterator<Map.Entry<String, Log>> it = topics.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Log> e = it.next();
      if (e.getValue().entries.isEmpty() && !isMap(e.getKey())) {
        it.remove();
        droppedHigh = Math.max(droppedHigh, e.getValue().high);
        droppedOut.put(e.getKey(), e.getValue().high);
        droppedTopics.put(e.getKey(), e.getValue().high);
      }
    }
  }

  /**
   * A topic a publish creates: if topics were dropped, it may be one of them, so it starts above its
   * own highest id where this broker knows it, else above those of every dropped topic (its ids keep
   * increasing), with its floor there (a subscriber resuming from an id of before is told of the gap).
   * The replicas hear of it apart from the floors of retention ({@link Batch#reborn()}).
   */
  private Log newTopic(String topic) {
    Log log = new Log();
    Long own = droppedTopics.remove(topic);
    long base = own != null ? own : droppedHigh;
    if (base > 0) {
      log.high = base;
      log.floor = base;
      log.born = base;
      rebornOut.put(topic, base);
    }
    return log;
  }

  private TopicConfig config(String topic) {
    if (isMap(topic)) {
      return mapConfig;
    }
    return declared.getOrDefault(topic, defaults);
  }

  private Log log(String topic) {
    return topics.computeIfAbsent(topic, t -> new Log());
  }

  private Map<String, Long> highs() {
    Map<String, Long> m = new HashMap<>();
    topics.forEach((t, log) -> m.put(t, log.high));
    return m;
  }

  private Map<String, Long> purged() {
    return positive(log -> log.purged);
  }

  /** Where retention dropped messages, per topic (a topic's start after it was used again excepted). */
  private Map<String, Long> floors() {
    Map<String, Long> m = new HashMap<>();
    topics.forEach((t, log) -> {
      if (log.floor > log.born) {
        m.put(t, log.floor);
      }
    });
    return m;
  }

  private Map<String, Long> reborn() {
    return positive(log -> log.born);
  }

  /** Per topic, a value of its log where it is positive; null when it is nowhere. */
  private Map<String, Long> positive(java.util.function.ToLongFunction<Log> value) {
    Map<String, Long> m = new HashMap<>();
    topics.forEach((t, log) -> {
      long v = value.applyAsLong(log);
      if (v > 0) {
        m.put(t, v);
      }
    });
    return m.isEmpty() ? null : m;
  }

  /** The bytes a message counts for retention: its key's (UTF-8) and its value's (JSON). */
  private int size(String k, JsonNode v) {
    int key = k == null ? 0 : k.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (v == null || v.isNull()) {
      return key + 4;
    }
    try {
      return key + sizer.writeValueAsBytes(v).length;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("an unwritable value", e);
    }
  }

  private void remember(Publisher pub, Msg m) {
    record(pub, m.s(), m.id());
  }

  /** The answer to a publisher's sequence: an id, or {@link SendReply#REFUSED}. */
  private void record(Publisher pub, long seq, long answer) {
    pub.recent.put(seq, answer);
    if (pub.recent.size() > DEDUPE_PER_PUBLISHER) {
      pub.recent.pollFirstEntry(); // the oldest sequence: a re-send is of the newest
    }
    pub.lastSeq = Math.max(pub.lastSeq, seq);
    pub.lastActive = Math.max(pub.lastActive, clock.getAsLong());
  }

  /**
   * The state of a send's publisher. One that is not known here and may have published before (it
   * was forgotten, or its first sequence is not 1) has its state rebuilt from what the log retains,
   * so a publish it sends again is still recognised as long as it is retained.
   */
  private Publisher publisher(Send send) {
    Publisher pub = publishers.get(send.instance());
    if (pub != null) {
      return pub;
    }
    pub = new Publisher();
    boolean fresh = !forgotten.remove(send.instance())
        && (send.pubs().isEmpty() || send.pubs().get(0).s() == 1);
    if (!fresh) {
      for (Log log : topics.values()) {
        for (Msg m : log.entries.values()) {
          if (send.instance().equals(m.p())) {
            remember(pub, m);
          }
        }
      }
    }
    publishers.put(send.instance(), pub);
    return pub;
  }

  /** Forgets the publishers that have no feed here and published nothing for a long while. */
  private void forgetIdlePublishers(long now) {
    for (Iterator<Map.Entry<String, Publisher>> it = publishers.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Publisher> e = it.next();
      Inst inst = instances.get(e.getKey());
      boolean fed = inst != null && inst.feed != null;
      if (!fed && now - e.getValue().lastActive > PUBLISHER_FORGET_MS) {
        it.remove();
        forgotten.add(e.getKey());
      }
    }
  }

  private Inst newInst() {
    Inst inst = new Inst();
    inst.since = clock.getAsLong();
    return inst;
  }

  /** For tests: how many instances are known. */
  synchronized int instanceCount() {
    return instances.size();
  }

  /** For tests: the topics held. */
  synchronized Set<String> topicNames() {
    return Set.copyOf(topics.keySet());
  }

  /** For tests: the bytes a topic counts, and how many messages it holds. */
  synchronized long[] topicState(String topic) {
    Log log = topics.get(topic);
    return log == null ? null : new long[] {log.bytes, log.entries.size()};
  }

  /** For tests: how many publishers are remembered, and how many ids of {@code instance}'s. */
  synchronized int[] publisherState(String instance) {
    Publisher pub = publishers.get(instance);
    return new int[] {publishers.size(), pub == null ? -1 : pub.recent.size()};
  }

  // ---- validation of what came from the wire ----

  private void checkKey(FeedKey key) {
    if (!busName.equals(key.bus())) {
      throw new IllegalArgumentException("a feed of another bus: " + key.bus());
    }
    checkId(key.instance());
  }

  private static void checkId(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_ID_CHARS) {
      throw new IllegalArgumentException("an instance id must have 1 to " + MAX_ID_CHARS + " characters");
    }
  }

  private static void checkTopic(String t) {
    if (t == null || t.isEmpty() || t.length() > MAX_TOPIC_CHARS) {
      throw new IllegalArgumentException("a topic must have 1 to " + MAX_TOPIC_CHARS + " characters");
    }
  }

  private void checkMsg(Msg m) {
    checkTopic(m.t());
    if (m.id() <= 0 || (m.k() != null && m.k().length() > MAX_KEY_CHARS)) {
      throw new IllegalArgumentException("a malformed message in a merge");
    }
  }
}
