package io.clusterclient.samples.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The real client alone, as the leader uses it. */
@Timeout(60)
class CuratorServiceRegistryTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration SESSION = Duration.ofSeconds(2);
  private static final ServiceQuery DEMO = new ServiceQuery("demo");

  private EmbeddedZooKeeper zk;

  @BeforeEach
  void start() throws Exception {
    zk = EmbeddedZooKeeper.start(100);
  }

  @AfterEach
  void stop() {
    zk.close();
  }

  @Test
  void whenReadyCompletesOnceZooKeeperGivesASessionAndFailsWhenNoneComes() throws Exception {
    try (CuratorServiceRegistry registry = new CuratorServiceRegistry(zk.connectString(), SESSION)) {
      registry.whenReady().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(registry.sessionId()).isNotZero();
    }
    int nobody;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      nobody = socket.getLocalPort();
    }
    try (CuratorServiceRegistry registry =
        new CuratorServiceRegistry("127.0.0.1:" + nobody, Duration.ofMillis(500))) {
      assertThatThrownBy(() -> registry.whenReady().toCompletableFuture().get(40, java.util.concurrent.TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no ZooKeeper session with 127.0.0.1:" + nobody);
    }
  }

  @Test
  void aRegistrationLeftInAnOldSessionIsCreatedAgainInTheNewOneWhenTheOldEnds() {
    Registration before = new Registration("demo", "survivor", "127.0.0.1:1");
    Registration replayed = new Registration("demo", "survivor", "127.0.0.1:2");
    try (CuratorServiceRegistry newLeader = new CuratorServiceRegistry(zk.connectString(), SESSION)) {
      CuratorServiceRegistry oldLeader = new CuratorServiceRegistry(zk.connectString(), SESSION);
      newLeader.whenReady().toCompletableFuture().join();
      oldLeader.whenReady().toCompletableFuture().join();
      oldLeader.publish(before);
      await().atMost(WAIT).until(() -> owner("survivor") == oldLeader.sessionId());

      // Failover: the replayed publish reaches the new session while the old one still owns the node.
      newLeader.publish(replayed);
      await().atMost(WAIT).until(() -> replayed.equals(read(newLeader)));
      assertThat(owner("survivor")).isEqualTo(oldLeader.sessionId());

      oldLeader.close();

      await().atMost(WAIT).until(() -> owner("survivor") == newLeader.sessionId());
      assertThat(read(newLeader)).isEqualTo(replayed);
    }
  }

  private static Registration read(ServiceRegistry registry) {
    String json = registry.getData("/services/demo/survivor");
    return json == null ? null : CuratorServiceRegistry.parse(json);
  }

  @Test
  void aLaterListenerGetsTheCurrentProvidersAtOnceAndTheLastOneLeavingStopsTheWatch() {
    try (CuratorServiceRegistry registry = new CuratorServiceRegistry(zk.connectString(), SESSION)) {
      List<List<String>> first = new CopyOnWriteArrayList<>();
      List<List<String>> second = new CopyOnWriteArrayList<>();
      Consumer<List<String>> firstListener = first::add;
      Consumer<List<String>> secondListener = second::add;
      registry.subscribe(DEMO, firstListener);
      registry.publish(new Registration("demo", "a", "127.0.0.1:1"));
      await().atMost(WAIT).until(() -> first.contains(List.of("a")));

      registry.subscribe(DEMO, secondListener);
      await().atMost(WAIT).until(() -> second.equals(List.of(List.of("a"))));

      registry.unSubscribe(DEMO, firstListener);
      registry.publish(new Registration("demo", "b", "127.0.0.1:2"));
      await().atMost(WAIT).until(() -> second.contains(List.of("a", "b")));
      assertThat(first).doesNotContain(List.of("a", "b"));

      registry.unSubscribe(DEMO, secondListener);
      registry.publish(new Registration("demo", "c", "127.0.0.1:3"));
      await().atMost(WAIT).until(() -> zk.childrenWithOwners("/services/demo").containsKey("c"));
      assertThat(second).doesNotContain(List.of("a", "b", "c"));
    }
  }

  @Test
  void namesThatAreNotOneNodeAreRefused() {
    assertThatThrownBy(() -> new Registration("demo", "a/b", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a/b");
    assertThatThrownBy(() -> new ServiceQuery(".."))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private long owner(String id) {
    return zk.childrenWithOwners("/services/demo").getOrDefault(id, -1L);
  }
}
