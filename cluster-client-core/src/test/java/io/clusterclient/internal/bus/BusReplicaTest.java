package io.clusterclient.internal.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.bus.ClusterBus;
import io.clusterclient.bus.DistributedMap;
import io.clusterclient.bus.From;
import io.clusterclient.bus.MessageListener;
import io.clusterclient.bus.TopicOptions;
import io.clusterclient.internal.bus.BusWire.Batch;
import io.clusterclient.internal.bus.BusWire.Msg;
import io.clusterclient.it.Ports;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One process's replica fed batches as a broker would send them after a long time out of touch. */
@Timeout(60)
class BusReplicaTest {
  private final ClusterRuntime runtime = ClusterRuntime.builder().name("bus-replica").build();
  private DefaultClusterBus bus;

  @AfterEach
  void close() {
    if (bus != null) {
      bus.close();
    }
    runtime.close();
  }

  /** A bus alone in its cluster, leader of itself, ready. */
  private DefaultClusterBus startBus(String name) throws Exception {
    ClusterOptions options = ClusterOptions.builder().port(Ports.free()).jmx(false).build();
    DefaultClusterBus b = (DefaultClusterBus) ClusterBus.builder(name).options(options).runtime(runtime).create();
    b.ready().get(20, TimeUnit.SECONDS);
    return b;
  }

  @Test
  void aCatchUpThatSendsAMapWholeDropsTheKeysRemovedWhileThisProcessWasOutOfTouch() throws Exception {
    bus = startBus("bus-replica");
    DistributedMap<String, Integer> map = bus.map("m", String.class, Integer.class);
    map.put("keep", 1).get(20, TimeUnit.SECONDS);
    map.put("gone", 2).get(20, TimeUnit.SECONDS);
    long high = map.put("also-kept", 3).get(20, TimeUnit.SECONDS);
    String topic = DefaultClusterBus.MAP_PREFIX + "m";
    List<Msg> held = List.copyOf(bus.topic(topic).log.values());
    assertThat(held).hasSize(3);

    // the broker removed "gone" and purged its marker meanwhile: its catch-up sends the rest again
    List<Msg> resent = List.of(held.get(0), held.get(2));
    Map<String, Long> resync = Map.of(topic, 7L); // catch-up number 7
    // a catch-up cut short (number 6) marked "gone" as sent again: it does not count for number 7
    bus.onBatch(new Batch(Long.MAX_VALUE / 2, "another", held.subList(1, 2), Map.of(), null, null,
        Map.of(topic, 6L), null, null));
    bus.onBatch(new Batch(Long.MAX_VALUE / 2, "another", resent.subList(0, 1), Map.of(), null, null, resync, null, null));
    assertThat(map.get("gone")).isEqualTo(2); // not before the catch-up's end
    bus.onBatch(new Batch(Long.MAX_VALUE / 2, "another", resent.subList(1, 2), Map.of(),
        List.of(bus.instanceId()), Map.of(topic, high + 2), resync, null, null));

    assertThat(map.asMap()).isEqualTo(Map.of("keep", 1, "also-kept", 3));
    assertThat(bus.topic(topic).log.values()).containsExactlyElementsOf(resent);
    assertThat(bus.topic(topic).byKey).doesNotContainKey("\"gone\"");
    assertThat(bus.seed().purged()).containsEntry(topic, high + 2); // a new broker would start from it
    assertThat(bus.topic(topic).high).isEqualTo(high + 2); // the newest was a purged marker
  }

  /** Collects what a subscriber hears. */
  static final class Heard implements MessageListener<String> {
    final List<Long> ids = new CopyOnWriteArrayList<>();
    final List<long[]> gaps = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(long id, String value) {
      ids.add(id);
    }

    @Override
    public void onGap(String topic, long afterId, long upToId) {
      gaps.add(new long[] {afterId, upToId});
    }
  }

  @Test
  void aTopicEmptiedByRetentionIsDroppedWhereUnusedAndItsNextUseTellsAResumeOfTheGap() throws Exception {
    ClusterRuntime other = ClusterRuntime.builder().name("bus-replica-2").build();
    ClusterOptions options = ClusterOptions.builder().port(Ports.free()).jmx(false).build();
    TopicOptions brief = TopicOptions.builder().maxAge(Duration.ofMillis(300)).build();
    bus = (DefaultClusterBus) ClusterBus.builder("bus-drop").options(options).runtime(runtime)
        .topic("brief", brief).topic("idle", brief).create();
    bus.ready().get(20, TimeUnit.SECONDS);
    try (DefaultClusterBus b = (DefaultClusterBus) ClusterBus.builder("bus-drop").options(options).runtime(other)
        .topic("brief", brief).topic("idle", brief).create()) {
      b.ready().get(20, TimeUnit.SECONDS);
      Heard live = new Heard();
      b.subscribe("brief", String.class, From.beginning(), live).get(20, TimeUnit.SECONDS);
      long first = bus.publish("brief", "1").get(20, TimeUnit.SECONDS);
      long second = bus.publish("brief", "2").get(20, TimeUnit.SECONDS);
      long idle = 0;
      for (int i = 0; i < 5; i++) { // ids above brief's: a topic used again must not take them as its own
        idle = bus.publish("idle", "x").get(20, TimeUnit.SECONDS);
      }
      assertThat(idle).isGreaterThan(second);
      await().atMost(Duration.ofSeconds(20)).until(() -> live.ids.size() == 2);
      // dropped in the leader's process (nothing uses it there), kept where it has a subscriber
      await().atMost(Duration.ofSeconds(20)).until(() -> !bus.topics().contains("brief")
          && !bus.topics().contains("idle") && !b.topics().contains("idle"));
      assertThat(b.topics()).contains("brief");
      assertThat(bus.seed().dropped()).isEqualTo(idle);

      long again = bus.publish("brief", "3").get(20, TimeUnit.SECONDS);
      assertThat(again).isEqualTo(second + 1); // above its own ids: the broker remembers them
      await().atMost(Duration.ofSeconds(20)).until(() -> live.ids.size() == 3);
      assertThat(live.ids).containsExactly(first, second, again);
      assertThat(live.gaps).isEmpty(); // the subscriber missed nothing: no gap for ids of other topics
      // a resume from an id of before the drop is told of the gap, in either process
      for (DefaultClusterBus x : List.of(bus, b)) {
        Heard resumed = new Heard();
        x.subscribe("brief", String.class, From.id(first), resumed).get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> resumed.ids.size() == 1);
        assertThat(resumed.ids).containsExactly(again);
        assertThat(resumed.gaps).hasSize(1);
        assertThat(resumed.gaps.get(0)[0]).isEqualTo(first);
        assertThat(resumed.gaps.get(0)[1]).isBetween(second, again - 1);
      }
    } finally {
      other.close();
    }
  }

  @Test
  void aTopicUsedAgainWhoseFirstSendRetentionCutShortTellsTheKeptSubscriberOfTheGap() throws Exception {
    bus = startBus("bus-reborn");
    Heard live = new Heard();
    bus.subscribe("t", String.class, From.beginning(), live).get(20, TimeUnit.SECONDS);
    long epoch = Long.MAX_VALUE / 2;
    long base = 1_000;
    bus.onBatch(new Batch(epoch, "another", List.of(msg(base)), Map.of(), null, null, null, null, null));
    await().atMost(Duration.ofSeconds(20)).until(() -> live.ids.size() == 1);
    // retention empties it and the broker drops it; kept here for its subscriber
    bus.onBatch(new Batch(epoch, "another", List.of(), Map.of("t", base), null, null, null, Map.of("t", base), null));
    assertThat(bus.topics()).contains("t");
    // used again: five messages, of which retention (maxCount 3) dropped the first two at once
    List<Msg> five = List.of(msg(base + 1), msg(base + 2), msg(base + 3), msg(base + 4), msg(base + 5));
    bus.onBatch(new Batch(epoch, "another", five, Map.of("t", base + 2), null, null, null, null, Map.of("t", base)));
    await().atMost(Duration.ofSeconds(20)).until(() -> live.ids.size() == 4);
    assertThat(live.ids).containsExactly(base, base + 3, base + 4, base + 5);
    assertThat(live.gaps).singleElement().satisfies(g -> assertThat(g).containsExactly(base, base + 2));
  }

  @Test
  void aDroppedTopicKeptForASubscriberGoesWhenTheSubscriberCloses() throws Exception {
    bus = startBus("bus-release");
    Heard live = new Heard();
    var sub = bus.subscribe("t", String.class, From.beginning(), live).get(20, TimeUnit.SECONDS);
    long epoch = Long.MAX_VALUE / 2;
    bus.onBatch(new Batch(epoch, "another", List.of(msg(7)), Map.of(), null, null, null, null, null));
    bus.onBatch(new Batch(epoch, "another", List.of(), Map.of("t", 7L), null, null, null, Map.of("t", 7L), null));
    assertThat(bus.topics()).contains("t"); // kept for its subscriber
    sub.close();
    assertThat(bus.topics()).doesNotContain("t");
    // a resume from before is still told of the gap
    Heard resumed = new Heard();
    bus.subscribe("t", String.class, From.id(5), resumed).get(20, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(20)).until(() -> resumed.gaps.size() == 1);
    assertThat(resumed.gaps.get(0)).containsExactly(5, 7);
  }

  private static Msg msg(long id) {
    return new Msg("t", id, 0, null, com.fasterxml.jackson.databind.node.TextNode.valueOf("v" + id), "p", id);
  }
}
