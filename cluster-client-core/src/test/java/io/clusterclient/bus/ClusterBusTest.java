package io.clusterclient.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.clusterclient.MessageTooLargeException;
import io.clusterclient.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bus in one JVM: each instance on a runtime of its own, meeting over the loopback. */
@Timeout(60)
class ClusterBusTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private BusCluster cluster;

  /** A message value; a record, read back as its type by each subscriber. */
  public record Order(int n, String what) {}

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static <T> T join(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      Thread.getAllStackTraces().forEach((t, st) -> {
        System.out.println("DUMP " + t.getName() + " " + t.getState());
        for (StackTraceElement el : st) {
          System.out.println("DUMP     " + el);
        }
      });
      throw e;
    }
  }

  /** Collects what a subscriber hears. */
  static final class Heard<T> implements MessageListener<T> {
    final List<Long> ids = new CopyOnWriteArrayList<>();
    final List<T> values = new CopyOnWriteArrayList<>();
    final List<long[]> gaps = new CopyOnWriteArrayList<>();
    final AtomicLong droppedAfter = new AtomicLong(Long.MIN_VALUE);

    @Override
    public void onMessage(long id, T value) {
      ids.add(id);
      values.add(value);
    }

    @Override
    public void onGap(String topic, long afterId, long upToId) {
      gaps.add(new long[] {afterId, upToId});
    }

    @Override
    public void onDropped(String topic, long lastId, String reason) {
      droppedAfter.set(lastId);
    }
  }

  @Test
  void publishesReachConfirmedSubscribersOfEveryProcessInIdOrder() throws Exception {
    cluster = new BusCluster("bus-basic");
    List<ClusterBus> started = cluster.started(3);
    ClusterBus a = started.get(0);
    ClusterBus b = started.get(1);
    ClusterBus c = started.get(2);
    assertThat(a.handle().role()).isEqualTo(Role.LEADER);

    Heard<Order> onB = new Heard<>();
    Heard<Order> onA = new Heard<>();
    join(b.subscribe("orders", Order.class, onB));
    join(a.subscribe("orders", Order.class, onA));
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(join((i % 2 == 0 ? c : a).publish("orders", new Order(i, "x" + i))));
    }
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    await().atMost(WAIT).until(() -> onB.ids.size() == 50 && onA.ids.size() == 50);
    assertThat(onB.ids).isEqualTo(ids);
    assertThat(onA.ids).isEqualTo(ids);
    assertThat(onB.values.get(7)).isEqualTo(new Order(7, "x7"));

    // resume after an id, the last N, and the backlog
    Heard<Order> resumed = new Heard<>();
    join(c.subscribe("orders", Order.class, From.id(ids.get(39)), resumed));
    await().atMost(WAIT).until(() -> resumed.ids.size() == 10);
    assertThat(resumed.ids).isEqualTo(ids.subList(40, 50));
    Heard<Order> last3 = new Heard<>();
    join(b.subscribe("orders", Order.class, From.last(3), last3));
    await().atMost(WAIT).until(() -> last3.ids.size() == 3);
    assertThat(last3.ids).isEqualTo(ids.subList(47, 50));
    List<Message<Order>> tail = join(c.backlog("orders", Order.class, 5));
    assertThat(tail).extracting(Message::id).isEqualTo(ids.subList(45, 50));
    assertThat(tail.get(4).value()).isEqualTo(new Order(49, "x49"));
    assertThat(resumed.gaps).isEmpty();
  }

  @Test
  void aSubscriptionIsConfirmedSoThatTheNextPublishAnywhereReachesIt() throws Exception {
    cluster = new BusCluster("bus-confirmed");
    ClusterBus a = cluster.bus();
    ClusterBus b = cluster.bus();
    join(a.ready());
    for (int round = 0; round < 20; round++) {
      Heard<String> heard = new Heard<>();
      Subscription s = join(b.subscribe("t" + round, String.class, heard));
      long id = join(a.publish("t" + round, "v" + round));
      await().atMost(WAIT).until(() -> heard.ids.contains(id));
      assertThat(heard.ids).containsExactly(id);
      s.close();
      assertThat(join(s.whenClosed())).isEqualTo(id);
    }
  }

  @Test
  void aPublishBeforeAnyLeaderIsBufferedAndSentInOrder() throws Exception {
    cluster = new BusCluster("bus-buffered");
    ClusterBus follower = cluster.bus(b -> b, o -> o.leader(false));
    Heard<Integer> heard = new Heard<>();
    CompletableFuture<Subscription> sub = follower.subscribe("early", Integer.class, From.beginning(), heard);
    List<CompletableFuture<Long>> early = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      early.add(follower.publish("early", i));
    }
    assertThat(early).noneMatch(CompletableFuture::isDone);
    assertThat(sub).isNotDone();
    ClusterBus leader = cluster.bus();
    join(leader.ready());
    List<Long> ids = new ArrayList<>();
    for (CompletableFuture<Long> f : early) {
      ids.add(join(f));
    }
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    join(sub);
    await().atMost(WAIT).until(() -> heard.values.size() == 5);
    assertThat(heard.values).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void retentionByCountAndBytesIsSignalledToASubscriberThatAsksForDroppedIds() throws Exception {
    cluster = new BusCluster("bus-retention");
    ClusterBus a = cluster.bus(b -> b.topic("few", TopicOptions.builder().maxCount(3).build())
        .topic("small", TopicOptions.builder().maxBytes(30).build()));
    ClusterBus b = cluster.bus(x -> x.topic("few", TopicOptions.builder().maxCount(3).build())
        .topic("small", TopicOptions.builder().maxBytes(30).build()));
    join(a.ready());
    join(b.ready());
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(join(a.publish("few", i)));
    }
    Heard<Integer> fromStart = new Heard<>();
    join(b.subscribe("few", Integer.class, From.id(ids.get(0)), fromStart));
    await().atMost(WAIT).until(() -> fromStart.values.size() == 3);
    assertThat(fromStart.values).containsExactly(7, 8, 9);
    assertThat(fromStart.gaps).hasSize(1);
    assertThat(fromStart.gaps.get(0)).containsExactly(ids.get(0), ids.get(6));
    assertThat(join(b.backlog("few", Integer.class, 100))).extracting(Message::value).containsExactly(7, 8, 9);

    for (int i = 0; i < 10; i++) {
      join(a.publish("small", "0123456789")); // 12 bytes of JSON each: two fit in 30
    }
    await().atMost(WAIT).until(() -> join(b.backlog("small", String.class, 100)).size() == 2);
    Heard<String> all = new Heard<>();
    join(b.subscribe("small", String.class, From.beginning(), all));
    await().atMost(WAIT).until(() -> all.values.size() == 2);
    assertThat(all.gaps).isEmpty(); // beginning means "what is retained"
  }

  @Test
  void retentionByAgeDropsOldMessagesAndALiveSubscriberNeverMissesOneSilently() throws Exception {
    cluster = new BusCluster("bus-age");
    TopicOptions brief = TopicOptions.builder().maxAge(Duration.ofMillis(200)).build();
    ClusterBus a = cluster.bus(b -> b.topic("brief", brief));
    ClusterBus b = cluster.bus(x -> x.topic("brief", brief));
    join(a.ready());
    join(b.ready());
    long first = join(a.publish("brief", "old"));
    await().atMost(WAIT).until(() -> join(b.backlog("brief", String.class, 10)).isEmpty());
    Heard<String> late = new Heard<>();
    join(b.subscribe("brief", String.class, From.id(first - 1), late));
    await().atMost(WAIT).until(() -> late.gaps.size() == 1);
    assertThat(late.gaps.get(0)).containsExactly(first - 1, first);
    long next = join(a.publish("brief", "new"));
    await().atMost(WAIT).until(() -> late.ids.contains(next));
    assertThat(late.values).containsExactly("new");
  }

  @Test
  void aCompactedTopicKeepsTheNewestMessageOfEachKey() throws Exception {
    cluster = new BusCluster("bus-compact");
    TopicOptions compacted = TopicOptions.builder().compacted(true).build();
    ClusterBus a = cluster.bus(b -> b.topic("prices", compacted));
    ClusterBus b = cluster.bus(x -> x.topic("prices", compacted));
    join(a.ready());
    join(b.ready());
    for (int i = 0; i < 9; i++) {
      join(a.publish("prices", "k" + (i % 3), i));
    }
    join(a.publish("prices", null, 100));
    Heard<Integer> all = new Heard<>();
    join(b.subscribe("prices", Integer.class, From.beginning(), all));
    await().atMost(WAIT).until(() -> all.values.size() == 4);
    assertThat(all.values).containsExactly(6, 7, 8, 100);
    assertThat(all.ids).isSorted();
  }

  @Test
  void aSlowSubscriberIsDroppedWithItsLastIdWhileOthersGetEverything() throws Exception {
    cluster = new BusCluster("bus-slow");
    ClusterBus a = cluster.bus();
    ClusterBus b = cluster.bus(x -> x.subscriberMaxLag(50));
    join(a.ready());
    join(b.ready());
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Long> droppedAfter = new AtomicReference<>();
    List<Long> slowGot = new CopyOnWriteArrayList<>();
    Subscription slow = join(b.subscribe("hot", Integer.class, new MessageListener<Integer>() {
      @Override
      public void onMessage(long id, Integer value) {
        slowGot.add(id);
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public void onDropped(String topic, long lastId, String reason) {
        droppedAfter.set(lastId);
      }
    }));
    Heard<Integer> fast = new Heard<>();
    join(b.subscribe("hot", Integer.class, fast));
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      ids.add(join(a.publish("hot", i)));
    }
    await().atMost(WAIT).until(() -> slow.whenClosed().isCompletedExceptionally());
    release.countDown();
    await().atMost(WAIT).until(() -> droppedAfter.get() != null);
    assertThat(droppedAfter.get()).isEqualTo(slowGot.get(slowGot.size() - 1)).isEqualTo(ids.get(0));
    assertThatThrownBy(() -> slow.whenClosed().join()).hasCauseInstanceOf(SubscriberDroppedException.class);
    await().atMost(WAIT).until(() -> fast.ids.size() == 150);
    assertThat(fast.ids).isEqualTo(ids);
    assertThat(fast.droppedAfter).hasValue(Long.MIN_VALUE); // never dropped
    // it resumes where it stopped, with nothing lost
    Heard<Integer> resumed = new Heard<>();
    join(b.subscribe("hot", Integer.class, From.id(droppedAfter.get()), resumed));
    await().atMost(WAIT).until(() -> resumed.ids.size() == 149);
    assertThat(resumed.ids).isEqualTo(ids.subList(1, 150));
  }

  @Test
  void aMessageOverTheFrameLimitFailsAloneWithAClearError() throws Exception {
    cluster = new BusCluster("bus-large");
    ClusterBus a = cluster.bus(b -> b, o -> o.maxFrameLength(64 * 1024));
    join(a.ready());
    assertThatThrownBy(() -> join(a.publish("big", "x".repeat(40_000))))
        .hasCauseInstanceOf(MessageTooLargeException.class)
        .hasMessageContaining("over the bus's limit");
    assertThat(join(a.publish("big", "small"))).isPositive();
  }

  @Test
  void aDistributedMapConvergesAndSurvivesTheLeadersDeath() throws Exception {
    cluster = new BusCluster("bus-map");
    List<ClusterBus> started = cluster.started(3);
    ClusterBus a = started.get(0);
    ClusterBus b = started.get(1);
    ClusterBus c = started.get(2);
    DistributedMap<String, Integer> ma = a.map("config", String.class, Integer.class);
    DistributedMap<String, Integer> mb = b.map("config", String.class, Integer.class);
    DistributedMap<String, Integer> mc = c.map("config", String.class, Integer.class);
    List<CompletableFuture<Long>> writes = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      writes.add(List.of(ma, mb, mc).get(i % 3).put("k" + (i % 7), i));
    }
    for (CompletableFuture<Long> w : writes) {
      join(w);
    }
    join(mb.remove("k0"));
    assertThat(mb.get("k0")).isNull(); // read your own write
    await().atMost(WAIT).until(() -> ma.asMap().equals(mb.asMap()) && mb.asMap().equals(mc.asMap()));
    assertThat(mc.size()).isEqualTo(6);

    cluster.kill(a);
    await().atMost(WAIT).until(() -> b.handle().role() == Role.LEADER || c.handle().role() == Role.LEADER);
    join(mc.put("after", 1));
    await().atMost(WAIT).until(() -> mb.get("after") != null);
    ClusterBus late = cluster.bus();
    join(late.ready());
    DistributedMap<String, Integer> ml = late.map("config", String.class, Integer.class);
    await().atMost(WAIT).until(() -> ml.asMap().equals(mb.asMap()) && ml.size() == 7);
    assertThat(Map.copyOf(mc.asMap())).isEqualTo(Map.copyOf(ml.asMap()));
  }

  @Test
  void idsKeepIncreasingAcrossALeaderKillAndAResumeMissesNothing() throws Exception {
    cluster = new BusCluster("bus-failover");
    List<ClusterBus> started = cluster.started(3);
    ClusterBus a = started.get(0);
    ClusterBus b = started.get(1);
    ClusterBus c = started.get(2);
    Heard<Integer> live = new Heard<>();
    join(c.subscribe("seq", Integer.class, From.beginning(), live));
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(join(b.publish("seq", i)));
    }
    cluster.kill(a);
    for (int i = 20; i < 40; i++) {
      ids.add(join(b.publish("seq", i)));
    }
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    await().atMost(WAIT).until(() -> live.ids.size() == 40);
    assertThat(live.ids).isEqualTo(ids);
    Heard<Integer> resumed = new Heard<>();
    join(b.subscribe("seq", Integer.class, From.id(ids.get(9)), resumed));
    await().atMost(WAIT).until(() -> resumed.ids.size() == 30);
    assertThat(resumed.ids).isEqualTo(ids.subList(10, 40));
  }

  @Test
  void aMapWriteOverItsLimitFailsWithAClearErrorAndEveryCopyKeepsTheSameContent() throws Exception {
    cluster = new BusCluster("bus-map-full");
    ClusterBus a = cluster.bus(b -> b.mapMaxBytes(200));
    ClusterBus b = cluster.bus(x -> x.mapMaxBytes(200));
    join(a.ready());
    join(b.ready());
    DistributedMap<String, String> ma = a.map("limited", String.class, String.class);
    DistributedMap<String, String> mb = b.map("limited", String.class, String.class);
    int stored = 0;
    Throwable refused = null;
    for (int i = 0; i < 50 && refused == null; i++) {
      try {
        join((i % 2 == 0 ? ma : mb).put("key-" + i, "value-" + i)); // 8 + 10 bytes or so
        stored++;
      } catch (java.util.concurrent.ExecutionException e) {
        refused = e.getCause();
      }
    }
    assertThat(stored).isEqualTo(12); // 10 of 7 + 9 bytes, then 8 + 10: 196 bytes of 200
    assertThat(refused).isInstanceOf(MapFullException.class)
        .hasMessageContaining("map 'limited'").hasMessageContaining("mapMaxBytes");
    int held = stored;
    await().atMost(WAIT).until(() -> ma.asMap().equals(mb.asMap()) && ma.size() == held);
    ClusterBus late = cluster.bus(x -> x.mapMaxBytes(200));
    join(late.ready());
    DistributedMap<String, String> ml = late.map("limited", String.class, String.class);
    await().atMost(WAIT).until(() -> ml.asMap().equals(ma.asMap())); // nothing was dropped anywhere
    // a removal of a held key is taken even when the map is full
    join(mb.remove("key-0"));
    assertThat(mb.get("key-0")).isNull();
    await().atMost(WAIT).until(() -> ma.get("key-0") == null && ml.asMap().equals(ma.asMap()));
  }

  @Test
  void aMapsRemovalMarkersArePurgedInEveryProcessAfterTheRetention() throws Exception {
    cluster = new BusCluster("bus-map-purge");
    ClusterBus a = cluster.bus(b -> b.mapTombstoneRetention(Duration.ofMillis(300)));
    ClusterBus b = cluster.bus(x -> x.mapTombstoneRetention(Duration.ofMillis(300)));
    join(a.ready());
    join(b.ready());
    DistributedMap<String, Integer> ma = a.map("churn", String.class, Integer.class);
    DistributedMap<String, Integer> mb = b.map("churn", String.class, Integer.class);
    for (int i = 0; i < 40; i++) {
      join(ma.put("k" + i, i));
      if (i % 10 != 0) {
        join(mb.remove("k" + i));
      }
    }
    await().atMost(WAIT).until(() -> ma.asMap().equals(mb.asMap()) && ma.size() == 4);
    assertThat(join(b.backlog("__map.churn", Integer.class, 1000))).hasSizeGreaterThan(4);
    // the markers go in every replica: what is retained is the 4 live entries
    for (ClusterBus bus : List.of(a, b)) {
      await().atMost(WAIT).until(() -> join(bus.backlog("__map.churn", Integer.class, 1000)).size() == 4);
      assertThat(join(bus.backlog("__map.churn", Integer.class, 1000)))
          .extracting(Message::value).containsExactly(0, 10, 20, 30);
    }
    ClusterBus late = cluster.bus();
    join(late.ready());
    DistributedMap<String, Integer> ml = late.map("churn", String.class, Integer.class);
    await().atMost(WAIT).until(() -> ml.asMap().equals(ma.asMap()));
    assertThat(Map.copyOf(mb.asMap())).isEqualTo(Map.of("k0", 0, "k10", 10, "k20", 20, "k30", 30));
  }
}
