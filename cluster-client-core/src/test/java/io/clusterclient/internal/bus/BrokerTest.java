package io.clusterclient.internal.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.clusterclient.internal.bus.BusWire.Batch;
import io.clusterclient.internal.bus.BusWire.FeedKey;
import io.clusterclient.internal.bus.BusWire.Hello;
import io.clusterclient.internal.bus.BusWire.Merge;
import io.clusterclient.internal.bus.BusWire.Msg;
import io.clusterclient.internal.bus.BusWire.Pub;
import io.clusterclient.internal.bus.BusWire.Send;
import io.clusterclient.internal.bus.BusWire.SendReply;
import io.clusterclient.internal.bus.BusWire.TopicConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The broker alone, without sockets: ids, deduplication, the recovery window, input checks. */
@Timeout(20)
class BrokerTest {
  private static final TopicConfig DEFAULTS = new TopicConfig(100_000, 64L << 20, 0, false);
  private static final TopicConfig MAPS = new TopicConfig(Long.MAX_VALUE, 64L << 20, 0, true);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong clock = new AtomicLong(1_800_000_000_000L);
  private final List<Broker> brokers = new ArrayList<>();

  @AfterEach
  void stop() {
    brokers.forEach(Broker::close);
    timer.shutdownNow();
  }

  private Broker broker(String self, Seed seed) {
    return broker(self, seed, MAPS);
  }

  private Broker broker(String self, Seed seed, TopicConfig maps) {
    Broker b = new Broker("b", self, seed, Duration.ofSeconds(10), DEFAULTS, Map.of(), maps, Duration.ofMinutes(1),
        1 << 20, new ObjectMapper(), timer, clock::get);
    brokers.add(b);
    return b;
  }

  private static Seed empty() {
    return new Seed(Map.of(), Map.of(), Map.of(), 0, -1, null, List.of());
  }

  private static Send send(String instance, long seq, String value) {
    return new Send(instance, List.of(new Pub(seq, "t", null, TextNode.valueOf(value))));
  }

  @Test
  void idsKeepIncreasingInANewBrokerEvenWhenTheWallClockWentBack() {
    Broker first = broker("i1", empty());
    long a = first.send(send("p", 1, "a")).join().ids().get(0);
    long b = first.send(send("p", 2, "b")).join().ids().get(0);
    assertThat(b).isEqualTo(a + 1);
    clock.addAndGet(-3_600_000); // an hour back
    Msg held = new Msg("t", b, 0, null, TextNode.valueOf("b"), "p", 2);
    Broker second = broker("i2",
        new Seed(Map.of("t", List.of(held)), Map.of(), Map.of(), 0, Ids.epochOf(b), "i1", List.of()));
    long c = second.send(send("p", 3, "c")).join().ids().get(0);
    assertThat(c).isGreaterThan(b);
    assertThat(Ids.epochOf(c)).isGreaterThan(Ids.epochOf(b));
  }

  @Test
  void aPublishSentAgainGetsTheSameIdAndIsStoredOnce() {
    Broker broker = broker("i1", empty());
    List<Batch> fed = new ArrayList<>();
    broker.subscribe(new FeedKey("b", "p"), fed::add);
    broker.hello(new Hello("p", Map.of(), Map.of())).join();
    SendReply first = broker.send(send("p", 1, "once")).join();
    SendReply again = broker.send(send("p", 1, "once")).join();
    assertThat(again.ids()).isEqualTo(first.ids());
    assertThat(fed.stream().mapToLong(f -> f.msgs().size()).sum()).isEqualTo(1);
  }

  @Test
  void aNewBrokerHoldsPublishesUntilTheSurvivorsHaveMergedWhatItLacks() {
    long oldEpoch = Ids.nextEpoch(-1, clock.get() - 1000);
    Msg known = new Msg("t", Ids.id(oldEpoch, 1), 0, null, TextNode.valueOf("1"), "p", 1);
    Seed seed = new Seed(Map.of("t", List.of(known)), Map.of(), Map.of(), 0, oldEpoch, "dead",
        List.of("dead", "me", "x"));
    Broker broker = broker("me", seed);
    CompletableFuture<SendReply> held = broker.send(send("y", 1, "new"));
    assertThat(held).isNotDone();
    // x holds two messages of the old epoch that the new broker never got
    Msg lacking2 = new Msg("t", Ids.id(oldEpoch, 2), 0, null, TextNode.valueOf("2"), "p", 2);
    Msg lacking3 = new Msg("t", Ids.id(oldEpoch, 3), 0, null, TextNode.valueOf("3"), "q", 1);
    broker.hello(new Hello("x", Map.of("t", lacking3.id()), Map.of())).join();
    broker.merge(new Merge("x", List.of(lacking3, lacking2), true)).join();
    long id = held.join().ids().get(0);
    assertThat(id).isGreaterThan(lacking3.id());
    // a publish of p's that was accepted before the kill is recognised by its sequence
    assertThat(broker.send(send("p", 2, "2")).join().ids()).containsExactly(lacking2.id());
  }

  @Test
  void malformedInputFromTheWireIsRefusedBeforeItIsStored() {
    Broker broker = broker("i1", empty());
    assertThatThrownBy(() -> broker.hello(new Hello("x".repeat(65), Map.of(), Map.of())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> broker.subscribe(new FeedKey("another-bus", "p"), b -> {}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> broker.send(new Send("p", List.of(new Pub(1, "", null, TextNode.valueOf("v"))))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> broker.merge(new Merge("p",
            List.of(new Msg("t", -5, 0, null, TextNode.valueOf("v"), "p", 1)), true)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(broker.position("t").join()).isZero();
  }

  private static Send sendMany(String instance, long firstSeq, int n) {
    List<Pub> pubs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pubs.add(new Pub(firstSeq + i, "t", null, TextNode.valueOf("v" + (firstSeq + i))));
    }
    return new Send(instance, pubs);
  }

  @Test
  void aPublisherKeepsTheIdsOfItsLastBatchOnlyAndAnOlderRepeatIsNeverStoredTwice() {
    Broker broker = broker("i1", empty());
    List<Batch> fed = new ArrayList<>();
    broker.subscribe(new FeedKey("b", "p"), fed::add);
    broker.hello(new Hello("p", Map.of(), Map.of())).join();
    for (int batch = 0; batch < 10; batch++) {
      broker.send(sendMany("p", 1 + batch * 1000L, 1000)).join();
    }
    assertThat(broker.publisherState("p")[1]).isEqualTo(1000); // not 4096, nor 10,000
    SendReply last = broker.send(sendMany("p", 9001, 1000)).join(); // the last batch sent again
    assertThat(last.ids()).doesNotContain(-1L).isSorted();
    SendReply older = broker.send(sendMany("p", 1, 3)).join();
    assertThat(older.ids()).containsExactly(-1L, -1L, -1L);
    assertThat(fed.stream().mapToLong(f -> f.msgs().size()).sum()).isEqualTo(10_000);
  }

  @Test
  void aPublisherThatLeftIsForgottenAfterAWhileAndWhatItSendsAgainIsStillRecognised() {
    Broker broker = broker("i1", empty());
    List<Batch> fed = new ArrayList<>();
    broker.subscribe(new FeedKey("b", "watcher"), fed::add);
    broker.hello(new Hello("watcher", Map.of(), Map.of())).join();
    broker.subscribe(new FeedKey("b", "p"), b -> {});
    broker.hello(new Hello("p", Map.of(), Map.of())).join();
    SendReply first = broker.send(sendMany("p", 1, 5)).join();
    broker.unsubscribe(new FeedKey("b", "p"));
    clock.addAndGet(Broker.PUBLISHER_FORGET_MS - 1000);
    broker.sweep();
    assertThat(broker.publisherState("p")[0]).isEqualTo(1); // still within the window
    clock.addAndGet(2000);
    broker.sweep();
    assertThat(broker.publisherState("x")[0]).isZero();
    // the same batch comes back (a process paused for long): recognised from the retained log
    assertThat(broker.send(sendMany("p", 1, 5)).join().ids()).isEqualTo(first.ids());
    assertThat(fed.stream().mapToLong(f -> f.msgs().size()).sum()).isEqualTo(5);
    // a live publisher that is silent is never forgotten
    broker.send(sendMany("watcher", 1, 1)).join();
    clock.addAndGet(10 * Broker.PUBLISHER_FORGET_MS);
    broker.sweep();
    assertThat(broker.publisherState("watcher")[1]).isEqualTo(1);
  }

  @Test
  void aNewBrokerRecognisesTheNewestPublishesOfAPublisherWithManyRetainedWhateverTheTopicOrder() {
    long oldEpoch = Ids.nextEpoch(-1, clock.get() - 1000);
    List<Msg> older = new ArrayList<>();
    List<Msg> newer = new ArrayList<>();
    for (int s = 1; s <= 5000; s++) {
      older.add(new Msg("a", Ids.id(oldEpoch, s), 0, null, TextNode.valueOf("a"), "p", s));
      newer.add(new Msg("b", Ids.id(oldEpoch, s), 0, null, TextNode.valueOf("b"), "p", 5000 + s));
    }
    for (boolean newestFirst : new boolean[] {true, false}) {
      Map<String, List<Msg>> msgs = new java.util.LinkedHashMap<>();
      msgs.put(newestFirst ? "b" : "a", newestFirst ? newer : older);
      msgs.put(newestFirst ? "a" : "b", newestFirst ? older : newer);
      Broker broker = broker("me", new Seed(msgs, Map.of(), Map.of(), 0, oldEpoch, "dead", List.of()));
      Send again = new Send("p", List.of(new Pub(10_000, "b", null, TextNode.valueOf("b"))));
      assertThat(broker.send(again).join().ids()).as("newest first: " + newestFirst)
          .containsExactly(Ids.id(oldEpoch, 5000));
      assertThat(broker.position("b").join()).isEqualTo(Ids.id(oldEpoch, 5000)); // not stored again
    }
  }

  private static final String MAP = DefaultClusterBus.MAP_PREFIX + "m";

  private static long write(Broker broker, String instance, long seq, String key, String value) {
    Pub pub = new Pub(seq, MAP, key, value == null ? NullNode.getInstance() : TextNode.valueOf(value));
    return broker.send(new Send(instance, List.of(pub))).join().ids().get(0);
  }

  @Test
  void aMapCountsKeysAndValuesAndRefusesAWriteOverItsLimitInsteadOfDroppingAnEntry() {
    Broker broker = broker("i1", empty(), new TopicConfig(Long.MAX_VALUE, 100, 0, true));
    // key "\"k1\"" 4 bytes + value "\"0123456789\"" 12 bytes = 16 bytes each: 6 fit in 100
    for (int i = 1; i <= 6; i++) {
      assertThat(write(broker, "p", i, "\"k" + i + "\"", "0123456789")).isPositive();
    }
    assertThat(broker.topicState(MAP)).containsExactly(96, 6);
    assertThat(write(broker, "p", 7, "\"k7\"", "0123456789")).isEqualTo(SendReply.REFUSED);
    assertThat(write(broker, "p", 8, "\"k1\"", "0123456789-----")).isEqualTo(SendReply.REFUSED); // 101
    assertThat(broker.topicState(MAP)).containsExactly(96, 6); // nothing dropped, nothing stored
    assertThat(write(broker, "p", 9, "\"k1\"", "9876543210")).isPositive(); // the same size: fits
    // a removal of a key with a value is taken even when full; its marker counts until purged
    assertThat(write(broker, "p", 10, "\"k2\"", null)).isPositive();
    assertThat(broker.topicState(MAP)).containsExactly(88, 6);
    assertThat(write(broker, "p", 11, "\"k7\"", "0123456789")).isEqualTo(SendReply.REFUSED); // 104
    // the refusal is the answer to the same publish sent again
    assertThat(broker.send(new Send("p", List.of(new Pub(11, MAP, "\"k7\"", TextNode.valueOf("0123456789")))))
        .join().ids()).containsExactly(SendReply.REFUSED);
    clock.addAndGet(Duration.ofMinutes(1).toMillis() + 1);
    broker.sweep();
    assertThat(broker.topicState(MAP)).containsExactly(80, 5);
    assertThat(write(broker, "p", 12, "\"k7\"", "0123456789")).isPositive();
  }

  @Test
  void aMapsRemovalMarkersArePurgedAfterTheRetentionAndEveryReplicaIsToldUpToWhichId() {
    Broker broker = broker("i1", empty());
    List<Batch> fed = new ArrayList<>();
    broker.subscribe(new FeedKey("b", "p"), fed::add);
    broker.hello(new Hello("p", Map.of(), Map.of())).join();
    int seq = 0;
    long firstRemoval = 0;
    for (int i = 0; i < 100; i++) { // keys that come and go: each leaves a marker
      write(broker, "p", ++seq, "\"k" + i + "\"", "v");
      long removal = write(broker, "p", ++seq, "\"k" + i + "\"", null);
      firstRemoval = firstRemoval == 0 ? removal : firstRemoval;
      if (i == 49) {
        clock.addAndGet(30_000);
      }
    }
    assertThat(broker.topicState(MAP)[1]).isEqualTo(100);
    clock.addAndGet(30_001); // the first 50 markers are older than the minute
    broker.sweep();
    assertThat(broker.topicState(MAP)[1]).isEqualTo(50);
    Long purgedUpTo = fed.get(fed.size() - 1).purged().get(MAP);
    assertThat(purgedUpTo).isEqualTo(firstRemoval + 98); // the 50th marker's id (ids of one epoch)
    clock.addAndGet(30_000);
    broker.sweep();
    assertThat(broker.topicState(MAP)[1]).isZero();
    assertThat(broker.topicState(MAP)[0]).isZero();
    assertThat(broker.position(MAP).join()).isEqualTo(firstRemoval + 198); // ids never go back
  }

  @Test
  void anInstanceBelowAMapsPurgedMarkersGetsTheMapWholeAndIsToldToDropTheRest() {
    Broker broker = broker("i1", empty());
    broker.subscribe(new FeedKey("b", "p"), b -> {});
    broker.hello(new Hello("p", Map.of(), Map.of())).join();
    long keep = write(broker, "p", 1, "\"keep\"", "v");
    long gone = write(broker, "p", 2, "\"gone\"", "v");
    write(broker, "p", 3, "\"gone\"", null);
    clock.addAndGet(Duration.ofMinutes(2).toMillis());
    broker.sweep();
    long after = write(broker, "p", 4, "\"new\"", "v");
    // "late" stood at "gone"'s put: it missed the removal, whose marker is purged
    List<Batch> late = new ArrayList<>();
    broker.subscribe(new FeedKey("b", "late"), late::add);
    broker.hello(new Hello("late", Map.of(MAP, gone), Map.of())).join();
    List<Batch> catchUp = catchUp(late);
    assertThat(catchUp).allSatisfy(b -> assertThat(b.resync()).isEqualTo(catchUp.get(0).resync()).containsKey(MAP));
    assertThat(catchUp.stream().flatMap(b -> b.msgs().stream()).map(Msg::id)).containsExactly(keep, after);
    // one that stood after the removal gets only what is newer
    List<Batch> recent = new ArrayList<>();
    broker.subscribe(new FeedKey("b", "recent"), recent::add);
    broker.hello(new Hello("recent", Map.of(MAP, gone + 1), Map.of())).join();
    assertThat(catchUp(recent)).allSatisfy(b -> assertThat(b.resync()).isNull());
    assertThat(catchUp(recent).stream().flatMap(b -> b.msgs().stream()).map(Msg::id)).containsExactly(after);
  }

  /** The batches of an instance's catch-up: up to the first that carries the members. */
  private static List<Batch> catchUp(List<Batch> fed) {
    for (int i = 0; i < fed.size(); i++) {
      if (fed.get(i).members() != null) {
        return fed.subList(0, i + 1);
      }
    }
    throw new AssertionError("no catch-up ended: " + fed);
  }

  @Test
  void aTopicThatRetentionEmptiedIsDroppedAndWhenUsedAgainItsIdsStartAboveEveryDroppedOne() {
    Broker broker = broker("i1", empty());
    List<Batch> fed = new ArrayList<>();
    broker.subscribe(new FeedKey("b", "p"), fed::add);
    TopicConfig brief = new TopicConfig(100, 1 << 20, 1000, false);
    broker.hello(new Hello("p", Map.of(), Map.of("brief", brief, "brief2", brief))).join();
    long old = 0;
    for (int i = 1; i <= 5; i++) {
      old = broker.send(send("p", i, "x")).join().ids().get(0); // topic "t", kept
    }
    long briefHigh = broker.send(new Send("p", List.of(new Pub(6, "brief", null, TextNode.valueOf("a")),
        new Pub(7, "brief", null, TextNode.valueOf("b"))))).join().ids().get(1);
    long brief2High = broker.send(new Send("p", List.of(new Pub(8, "brief2", null, TextNode.valueOf("a")))))
        .join().ids().get(0);
    clock.addAndGet(1001);
    broker.sweep();
    assertThat(broker.topicNames()).containsExactly("t");
    assertThat(fed.get(fed.size() - 1).dropped()).isEqualTo(Map.of("brief", briefHigh, "brief2", brief2High));
    assertThat(fed.get(fed.size() - 1).floors()).containsEntry("brief", briefHigh); // for kept replicas
    assertThat(broker.hello(new Hello("q", Map.of(), Map.of())).join().highs()).containsOnlyKeys("t");
    assertThat(broker.position("brief").join()).isZero();
    // used again: above every dropped topic's ids (brief2's too), its floor there
    long again = broker.send(new Send("p", List.of(new Pub(9, "brief", null, TextNode.valueOf("c")))))
        .join().ids().get(0);
    assertThat(again).isGreaterThan(Math.max(briefHigh, brief2High));
    assertThat(old).isGreaterThan(again); // not the case of ids of a topic not dropped (ids are per topic)
    // it starts above its own ids, and the replicas hear so apart from the floors of retention
    assertThat(again).isEqualTo(briefHigh + 1);
    assertThat(fed.get(fed.size() - 1).reborn()).isEqualTo(Map.of("brief", briefHigh));
    assertThat(fed.get(fed.size() - 1).floors()).doesNotContainKey("brief");
    assertThat(broker.topicNames()).containsExactlyInAnyOrder("t", "brief");
  }

  @Test
  void anInstanceThatStillHoldsADroppedTopicDoesNotBringItBackAndIsToldToDropIt() {
    Broker broker = broker("i1", empty());
    TopicConfig brief = new TopicConfig(100, 1 << 20, 1000, false);
    broker.hello(new Hello("p", Map.of(), Map.of("brief", brief))).join();
    List<Long> ids = broker.send(new Send("p", List.of(new Pub(1, "brief", null, TextNode.valueOf("a")),
        new Pub(2, "brief", null, TextNode.valueOf("b"))))).join().ids();
    clock.addAndGet(1001);
    broker.sweep();
    assertThat(broker.topicNames()).doesNotContain("brief");

    // q was out of touch meanwhile: it still holds brief's messages, says so, and offers them
    List<Batch> fed = new ArrayList<>();
    broker.subscribe(new FeedKey("b", "q"), fed::add);
    long high = ids.get(1);
    broker.hello(new Hello("q", Map.of("brief", high), Map.of())).join();
    broker.merge(new Merge("q", List.of(new Msg("brief", ids.get(0), 0, null, TextNode.valueOf("a"), "p", 1),
        new Msg("brief", high, 0, null, TextNode.valueOf("b"), "p", 2)), true)).join();
    assertThat(broker.topicNames()).doesNotContain("brief"); // not brought back
    Batch caughtUp = fed.stream().filter(b -> b.members() != null).findFirst().orElseThrow();
    assertThat(caughtUp.floors()).containsEntry("brief", high); // q drops what it holds of it
    assertThat(caughtUp.dropped()).containsEntry("brief", high);

    long again = broker.send(new Send("p", List.of(new Pub(3, "brief", null, TextNode.valueOf("c")))))
        .join().ids().get(0);
    assertThat(again).isEqualTo(high + 1); // no id of the topic reused
  }

  @Test
  void aNewBrokerKeepsIdsAboveTheDroppedTopicsOfItsSeedEvenWithTheClockBack() {
    long future = Ids.nextEpoch(-1, clock.get() + 3_600_000);
    long droppedHigh = Ids.id(future, 7);
    Broker broker = broker("me", new Seed(Map.of("empty", List.of()), Map.of(), Map.of(), droppedHigh, -1, null,
        List.of()));
    long id = broker.send(new Send("p", List.of(new Pub(1, "brief", null, TextNode.valueOf("c")))))
        .join().ids().get(0);
    assertThat(id).isGreaterThan(droppedHigh);
    broker.sweep();
    assertThat(broker.topicNames()).containsExactly("brief"); // the seed's empty topic is dropped
  }

  @Test
  void aHelloThatComesAfterItsInstanceLeftIsForgottenAndDoesNotKeepItsPublisherForever() {
    Broker broker = broker("i1", empty());
    broker.subscribe(new FeedKey("b", "live"), b -> {});
    broker.hello(new Hello("live", Map.of(), Map.of())).join();
    broker.send(sendMany("ghost", 1, 1)).join();
    broker.unsubscribe(new FeedKey("b", "ghost"));
    broker.hello(new Hello("ghost", Map.of(), Map.of())).join(); // sent again, late
    assertThat(broker.instanceCount()).isEqualTo(2);
    clock.addAndGet(Broker.PUBLISHER_FORGET_MS + 1);
    broker.sweep();
    assertThat(broker.instanceCount()).isEqualTo(1);
    broker.sweep();
    assertThat(broker.publisherState("ghost")[1]).isEqualTo(-1);
  }
}
