package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A leader that closes hands over: a follower takes the port at once, the calls in flight on the
 * old leader are answered there, calls made meanwhile go to the new one, subscriptions move. Each
 * process is a {@link ClusterRuntime} of its own, meeting the others over the loopback.
 */
@Timeout(60)
class HandoverTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  public record Topic(String name) {}

  public interface Desk {
    /** Not idempotent: a lost call would fail, not be retried. Returns who answered. */
    @Delegate
    String hold(String value);

    @Delegate
    CompletableFuture<String> holdAsync(String value);

    @Delegate
    String whoami();

    void subscribe(Topic topic, Consumer<String> listener);

    void publish(Topic topic);
  }

  /** Holds {@code hold} calls until released; records when it is closed. */
  static final class RealDesk implements Desk, AutoCloseable {
    final String id;
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch entered;
    final List<String> events = new CopyOnWriteArrayList<>();
    final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();

    RealDesk(String id, int holds) {
      this.id = id;
      this.entered = new CountDownLatch(holds);
    }

    @Override
    public String hold(String value) {
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      events.add("answered " + value);
      return value + "@" + id;
    }

    @Override
    public CompletableFuture<String> holdAsync(String value) {
      return CompletableFuture.supplyAsync(() -> hold(value));
    }

    @Override
    public String whoami() {
      return id;
    }

    @Override
    public void subscribe(Topic topic, Consumer<String> listener) {
      listeners.computeIfAbsent(topic.name(), k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    @Override
    public void publish(Topic topic) {
      for (Consumer<String> l : listeners.getOrDefault(topic.name(), List.of())) {
        l.accept(topic.name() + "@" + id);
      }
    }

    @Override
    public void close() {
      events.add("closed");
    }
  }

  @AfterEach
  void closeRuntimes() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private Desk desk(String name, int port, RealDesk real, Duration handoverTimeout) {
    return desk(name, port, () -> real, handoverTimeout, true);
  }

  private Desk desk(
      String name, int port, java.util.function.Supplier<RealDesk> factory, Duration handoverTimeout,
      boolean awaitReady) {
    ClusterRuntime runtime = ClusterRuntime.builder().name(name).build();
    runtimes.add(runtime);
    Desk desk =
        ClusterClient.of(Desk.class)
            .runtime(runtime)
            .options(
                ClusterOptions.builder()
                    .name("desk")
                    .port(port)
                    .responseTimeout(Duration.ofSeconds(10))
                    .handoverTimeout(handoverTimeout)
                    .build())
            .create(factory::get);
    if (!awaitReady) {
      return desk;
    }
    try {
      ClusterClient.handle(desk).ready().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return desk;
  }

  @Test
  void callsInFlightFinishNewCallsGoToTheNewLeaderAndSubscriptionsMove() throws Exception {
    int port = Ports.free();
    RealDesk old = new RealDesk("old", 2);
    Desk leader = desk("h1", port, old, Duration.ofSeconds(10));
    Desk two = desk("h2", port, new RealDesk("two", 0), Duration.ofSeconds(10));
    Desk three = desk("h3", port, new RealDesk("three", 0), Duration.ofSeconds(10));
    assertThat(ClusterClient.handle(two).role()).isEqualTo(Role.FOLLOWER);
    List<String> heard = new CopyOnWriteArrayList<>();
    three.subscribe(new Topic("news"), heard::add);
    await().atMost(WAIT).untilAsserted(() -> {
      two.publish(new Topic("news"));
      assertThat(heard).contains("news@old");
    });

    // Two calls that are not idempotent are in flight on the old leader: one sync, one async.
    CompletableFuture<String> sync = CompletableFuture.supplyAsync(() -> two.hold("a"));
    CompletableFuture<String> async = three.holdAsync("b");
    assertThat(old.entered.await(20, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(() -> ClusterClient.handle(leader).close());
    // While the old leader still holds those calls, a follower leads, and new calls go to it.
    await().atMost(WAIT).until(
        () -> ClusterClient.handle(two).isLeader() || ClusterClient.handle(three).isLeader());
    String next = ClusterClient.handle(two).isLeader() ? "two" : "three";
    assertThat(two.whoami()).isEqualTo(next);
    assertThat(three.whoami()).isEqualTo(next);
    assertThat(closing).isNotDone();
    assertThat(sync).isNotDone();

    // The old calls are answered by the old leader, then it closes its real client.
    old.release.countDown();
    assertThat(sync.get(20, TimeUnit.SECONDS)).isEqualTo("a@old");
    assertThat(async.get(20, TimeUnit.SECONDS)).isEqualTo("b@old");
    closing.get(20, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> old.events.contains("closed"));
    assertThat(old.events.indexOf("closed")).isEqualTo(2);

    // The subscription moved without a new subscribe.
    await().atMost(WAIT).untilAsserted(() -> {
      two.publish(new Topic("news"));
      assertThat(heard).contains("news@" + next);
    });
    assertThat(ClusterClient.handle(two).metrics().failed()).isZero();
    assertThat(ClusterClient.handle(three).metrics().failed()).isZero();
  }

  /**
   * The next leader's real client takes its time: meanwhile the leader that hands over still
   * answers, so callers see no pause at all.
   */
  @Test
  void untilTheNextLeaderIsLiveTheOneHandingOverStillAnswers() throws Exception {
    int port = Ports.free();
    RealDesk old = new RealDesk("old", 0);
    Desk leader = desk("i1", port, old, Duration.ofSeconds(10));
    CountDownLatch building = new CountDownLatch(1);
    CountDownLatch build = new CountDownLatch(1);
    java.util.function.Supplier<RealDesk> slow =
        () -> {
          building.countDown();
          try {
            build.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return new RealDesk("next", 0);
        };
    Desk two = desk("i2", port, slow, Duration.ofSeconds(10), true);
    Desk three = desk("i3", port, slow, Duration.ofSeconds(10), true);

    CompletableFuture<Void> closing =
        CompletableFuture.runAsync(() -> ClusterClient.handle(leader).close());
    try {
      assertThat(building.await(20, TimeUnit.SECONDS)).as("the next leader builds its client").isTrue();
      assertThat(List.of(ClusterClient.handle(two).role(), ClusterClient.handle(three).role()))
          .contains(Role.ELECTING);
      // One follower elects (its real client is being built); calls of both still get answers.
      assertThat(two.whoami()).isEqualTo("old");
      assertThat(three.whoami()).isEqualTo("old");
      assertThat(closing).isNotDone();
    } finally {
      build.countDown();
    }
    await().atMost(WAIT).until(
        () -> ClusterClient.handle(two).role().isConnected() && ClusterClient.handle(three).role().isConnected());
    assertThat(two.whoami()).isEqualTo("next");
    assertThat(three.whoami()).isEqualTo("next");
    closing.get(20, TimeUnit.SECONDS);
    assertThat(old.events).contains("closed");
    assertThat(ClusterClient.handle(two).metrics().failed()).isZero();
    assertThat(ClusterClient.handle(three).metrics().failed()).isZero();
  }

  @Test
  void withoutHandoverACloseIsAsACrashForTheCallsInFlight() throws Exception {
    int port = Ports.free();
    RealDesk old = new RealDesk("old", 1);
    Desk leader = desk("z1", port, old, Duration.ZERO);
    Desk two = desk("z2", port, new RealDesk("two", 0), Duration.ZERO);
    CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> two.hold("a"));
    assertThat(old.entered.await(20, TimeUnit.SECONDS)).isTrue();
    try {
      ClusterClient.handle(leader).close();
      assertThat(call).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(LeaderLostException.class);
    } finally {
      old.release.countDown();
    }
    await().atMost(WAIT).until(() -> ClusterClient.handle(two).isLeader());
    assertThat(two.whoami()).isEqualTo("two");
  }

  @Test
  void aFollowerThatNeverLeavesIsClosedAtTheHandoverTimeout() throws Exception {
    int port = Ports.free();
    RealDesk old = new RealDesk("old", 1);
    Desk leader = desk("t1", port, old, Duration.ofMillis(300));
    Desk two = desk("t2", port, new RealDesk("two", 0), Duration.ofMillis(300));
    CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> two.hold("a"));
    assertThat(old.entered.await(20, TimeUnit.SECONDS)).isTrue();
    try {
      // The call never finishes on the old leader: at the limit, it closes anyway.
      ClusterClient.handle(leader).close();
      assertThat(old.events).contains("closed");
      assertThat(call).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(LeaderLostException.class);
    } finally {
      old.release.countDown();
    }
    await().atMost(WAIT).until(() -> ClusterClient.handle(two).isLeader());
  }
}
