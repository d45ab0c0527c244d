package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the original's real client does beyond calls, in Java: a real client that becomes ready later
 * ({@link ReadyLater}), its named events ({@link ClusterEventSource}, {@link
 * ClusterHandle#addEventListener}), and a client's {@code formatKey}. Leaders and followers run in
 * one JVM, each on a runtime of its own, meeting over the loopback as processes would ({@code
 * RealClientLifecycleIT} does the same across JVMs).
 */
@Timeout(60)
class RealClientLifecycleTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  /** A value of an event, a record so that it reads back typed. */
  public record Change(String path, int version) {}

  public interface Feed {
    void subscribe(Map<String, Object> reg, Consumer<String> listener);

    /** Asks the real client to emit {@code count} events named {@code name}, values "0", "1"... */
    @Delegate
    String emit(String name, int count);

    @Delegate
    String emitChange(String path, int version);

    @Delegate
    List<String> upstream();

    @Delegate
    String whoami();
  }

  /** The real client: emits on request, records its upstream subscriptions, may be ready later. */
  static class RealFeed implements Feed, ClusterEventSource, ReadyLater, AutoCloseable {
    final String id;
    final Supplier<CompletionStage<?>> readiness;
    final List<String> upstream = new CopyOnWriteArrayList<>();
    final AtomicBoolean closed = new AtomicBoolean();
    volatile ClusterEvents events;

    RealFeed(String id, Supplier<CompletionStage<?>> readiness) {
      this.id = id;
      this.readiness = readiness;
    }

    @Override
    public void bindEvents(ClusterEvents events) {
      this.events = events;
    }

    @Override
    public CompletionStage<?> whenReady() {
      return readiness.get();
    }

    @Override
    public void subscribe(Map<String, Object> reg, Consumer<String> listener) {
      upstream.add("subscribe:" + reg);
      listener.accept("value of " + reg.get("dataId"));
    }

    @Override
    public String emit(String name, int count) {
      for (int i = 0; i < count; i++) {
        events.emit(name, String.valueOf(i));
      }
      return "emitted";
    }

    @Override
    public String emitChange(String path, int version) {
      events.emit("change", new Change(path, version));
      return "emitted";
    }

    @Override
    public List<String> upstream() {
      return upstream;
    }

    @Override
    public String whoami() {
      return id;
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }

  @AfterEach
  void closeRuntimes() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private ClusterRuntime runtime(String name) {
    ClusterRuntime r = ClusterRuntime.builder().name(name).build();
    runtimes.add(r);
    return r;
  }

  private static Feed feed(ClusterRuntime runtime, ClusterOptions.Builder options, RealClientFactory<Feed> factory) {
    return ClusterClient.of(Feed.class).runtime(runtime).options(options.name("feed").build()).create(factory);
  }

  private static ClusterOptions.Builder port(int port) {
    return ClusterOptions.builder().port(port);
  }

  private static CompletionStage<?> readyNow() {
    return CompletableFuture.completedFuture(null);
  }

  // ---- ReadyLater ----

  @Test
  void theLeaderAndItsFollowersAreReadyOnlyOnceTheRealClientIs() throws Exception {
    int port = Ports.free();
    CompletableFuture<Void> upstreamConnected = new CompletableFuture<>();
    AtomicInteger created = new AtomicInteger();
    Feed leader = feed(runtime("r1"), port(port).leader(true), () -> {
      created.incrementAndGet();
      return new RealFeed("r1", () -> upstreamConnected);
    });
    Feed follower = feed(runtime("r2"), port(port).leader(false), () -> new RealFeed("r2", RealClientLifecycleTest::readyNow));
    await().atMost(WAIT).until(() -> created.get() == 1);

    assertThat(ClusterClient.handle(leader).ready()).isNotDone();
    assertThat(ClusterClient.handle(leader).role()).isEqualTo(Role.ELECTING);
    assertThat(ClusterClient.handle(follower).ready()).isNotDone();

    upstreamConnected.complete(null);
    ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
    ClusterClient.handle(follower).ready().get(20, TimeUnit.SECONDS);
    assertThat(ClusterClient.handle(leader).role()).isEqualTo(Role.LEADER);
    assertThat(follower.whoami()).isEqualTo("r1");
    assertThat(created).hasValue(1);
  }

  @Test
  void aRealClientThatFailsToBecomeReadyFailsReadyInEveryProcessAndIsClosed() {
    int port = Ports.free();
    List<RealFeed> made = new CopyOnWriteArrayList<>();
    // Refused a second after creation: the port is held meanwhile, so the follower, which only
    // follows, connects and waits for the answer (the port is free between the leader's rounds).
    RealClientFactory<Feed> refusing = () -> {
      RealFeed real = new RealFeed("refused", () -> CompletableFuture.supplyAsync(() -> {
        throw new IllegalStateException("upstream refused the session");
      }, CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS)));
      made.add(real);
      return real;
    };
    Feed leader = feed(runtime("r1"), port(port).leader(true), refusing);
    Feed follower = feed(runtime("r2"), port(port).leader(false), refusing);

    assertThatThrownBy(() -> ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ClusterException.class)
        .hasMessageContaining("the real client of 'feed' did not become ready")
        .hasMessageContaining("upstream refused the session")
        .hasRootCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ClusterClient.handle(follower).ready().get(20, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ClusterException.class)
        .hasMessageContaining("did not become ready")
        .hasMessageContaining("upstream refused the session");
    await().atMost(WAIT).until(() -> !made.isEmpty() && made.stream().allMatch(r -> r.closed.get()));
  }

  @Test
  void whenReadyIsBoundedByMaxWaitTime() {
    Feed feed = ClusterClient.of(Feed.class).runtime(runtime("single"))
        .options(ClusterOptions.builder().name("feed").singleMode(true).maxWaitTime(Duration.ofMillis(300)).build())
        .create(() -> new RealFeed("never", CompletableFuture::new));

    assertThatThrownBy(() -> ClusterClient.handle(feed).ready().get(20, TimeUnit.SECONDS))
        .cause()
        .hasMessageContaining("did not become ready")
        .hasMessageContaining("maxWaitTime 300 ms")
        .hasCauseInstanceOf(ClusterTimeoutException.class);
  }

  @Test
  void aCloseDoesNotWaitForARealClientThatIsNotReady() throws Exception {
    RealFeed real = new RealFeed("slow", CompletableFuture::new);
    Feed feed = ClusterClient.of(Feed.class).runtime(runtime("single"))
        .options(ClusterOptions.builder().name("feed").singleMode(true).maxWaitTime(Duration.ofMinutes(5)).build())
        .create(() -> real);
    await().atMost(WAIT).until(() -> real.events != null);

    ClusterClient.handle(feed).close();

    // Closed at once, not after maxWaitTime (five minutes), which the test's timeout would not reach.
    await().atMost(WAIT).untilTrue(real.closed);
    assertThat(ClusterClient.handle(feed).ready()).isCompletedExceptionally();
  }

  // ---- events ----

  @Test
  void eventsReachEveryProcessInTheOrderEmittedTypedAsEachListenerAsks() throws Exception {
    int port = Ports.free();
    Feed leader = feed(runtime("r1"), port(port), () -> new RealFeed("r1", RealClientLifecycleTest::readyNow));
    ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
    Feed follower = feed(runtime("r2"), port(port), () -> new RealFeed("r2", RealClientLifecycleTest::readyNow));
    ClusterClient.handle(follower).ready().get(20, TimeUnit.SECONDS);
    assertThat(ClusterClient.handle(follower).role()).isEqualTo(Role.FOLLOWER);

    List<String> atLeader = new CopyOnWriteArrayList<>();
    List<String> atFollower = new CopyOnWriteArrayList<>();
    List<String> others = new CopyOnWriteArrayList<>();
    List<Change> changes = new CopyOnWriteArrayList<>();
    List<Object> untyped = new CopyOnWriteArrayList<>();
    ClusterClient.handle(leader).addEventListener("tick", String.class, (n, v) -> atLeader.add(n + v));
    ClusterClient.handle(follower).addEventListener("tick", String.class, (n, v) -> atFollower.add(n + v));
    ClusterClient.handle(follower).addEventListener("other", String.class, (n, v) -> others.add(v));
    ClusterClient.handle(follower).addEventListener("change", Change.class, (n, v) -> changes.add(v));
    ClusterClient.handle(leader).addEventListener("change", Object.class, (n, v) -> untyped.add(v));

    assertThat(follower.emit("tick", 50)).isEqualTo("emitted"); // the follower asks the leader's real client
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      expected.add("tick" + i);
    }
    await().atMost(WAIT).until(() -> atLeader.size() == 50 && atFollower.size() == 50);
    assertThat(atLeader).isEqualTo(expected);
    assertThat(atFollower).isEqualTo(expected);

    leader.emitChange("/a", 3);
    await().atMost(WAIT).until(() -> changes.size() == 1 && untyped.size() == 1);
    assertThat(changes).containsExactly(new Change("/a", 3));
    assertThat(untyped).containsExactly(Map.of("path", "/a", "version", 3));
    assertThat(others).isEmpty();
  }

  @Test
  void aRemovedListenerHearsNothingMoreAndOneThatThrowsIsReported() throws Exception {
    Feed feed = ClusterClient.of(Feed.class).runtime(runtime("single"))
        .options(ClusterOptions.builder().name("feed").singleMode(true).build())
        .create(() -> new RealFeed("single", RealClientLifecycleTest::readyNow));
    ClusterHandle handle = ClusterClient.handle(feed);
    handle.ready().get(20, TimeUnit.SECONDS);
    List<String> removed = new CopyOnWriteArrayList<>();
    List<String> kept = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    ClusterEventListener<String> toRemove = (n, v) -> removed.add(v);
    handle.addEventListener("tick", String.class, toRemove);
    handle.addEventListener("tick", String.class, (n, v) -> {
      throw new IllegalStateException("listener bug");
    });
    handle.addEventListener("tick", String.class, (n, v) -> kept.add(v));
    handle.addListener(new ClusterListener() {
      @Override
      public void error(ClusterHandle h, Throwable error) {
        errors.add(error);
      }
    });
    feed.emit("tick", 1);
    await().atMost(WAIT).until(() -> kept.size() == 1 && removed.size() == 1 && !errors.isEmpty());

    handle.removeEventListener(toRemove);
    feed.emit("tick", 2);
    await().atMost(WAIT).until(() -> kept.size() == 3);
    assertThat(removed).containsExactly("0");
    assertThat(errors.get(0)).hasMessageContaining("a listener of event 'tick' threw")
        .hasMessageContaining("listener bug");
  }

  @Test
  void listenersHearTheNextRealClientAfterAFailover() throws Exception {
    int port = Ports.free();
    Feed first = feed(runtime("r1"), port(port), () -> new RealFeed("r1", RealClientLifecycleTest::readyNow));
    ClusterClient.handle(first).ready().get(20, TimeUnit.SECONDS);
    Feed second = feed(runtime("r2"), port(port), () -> new RealFeed("r2", RealClientLifecycleTest::readyNow));
    ClusterClient.handle(second).ready().get(20, TimeUnit.SECONDS);
    List<String> heard = new CopyOnWriteArrayList<>();
    ClusterClient.handle(second).addEventListener("tick", String.class, (n, v) -> heard.add(second.whoami() + ":" + v));

    runtimes.get(0).close();
    await().atMost(WAIT).until(() -> ClusterClient.handle(second).role() == Role.LEADER);
    second.emit("tick", 1);

    await().atMost(WAIT).until(() -> heard.size() == 1);
    assertThat(heard).containsExactly("r2:0");
  }

  @Test
  void anEventNameMustNotBeEmpty() throws Exception {
    Feed feed = ClusterClient.of(Feed.class).runtime(runtime("single"))
        .options(ClusterOptions.builder().name("feed").singleMode(true).build())
        .create(() -> new RealFeed("single", RealClientLifecycleTest::readyNow));
    assertThatThrownBy(() -> ClusterClient.handle(feed).addEventListener("", String.class, (n, v) -> {}))
        .isInstanceOf(IllegalArgumentException.class);
    ClusterClient.handle(feed).ready().get(20, TimeUnit.SECONDS);
    assertThatThrownBy(() -> feed.emit("", 1)).isInstanceOf(RemoteInvocationException.class)
        .hasMessageContaining("an event's name must not be empty");
  }

  // ---- formatKey ----

  @Test
  void formatKeyDecidesWhichRegistrationsShareOneUpstreamSubscription() throws Exception {
    int port = Ports.free();
    ClusterOptions.Builder byDataId = port(port).formatKey(reg -> "id:" + ((Map<?, ?>) reg).get("dataId"));
    Feed leader = feed(runtime("r1"), byDataId, () -> new RealFeed("r1", RealClientLifecycleTest::readyNow));
    ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
    Feed follower = feed(runtime("r2"), byDataId, () -> new RealFeed("r2", RealClientLifecycleTest::readyNow));
    ClusterClient.handle(follower).ready().get(20, TimeUnit.SECONDS);

    List<String> heard = new CopyOnWriteArrayList<>();
    follower.subscribe(Map.of("dataId", "a", "tag", 1), heard::add);
    await().atMost(WAIT).until(() -> heard.size() == 1);
    leader.subscribe(Map.of("dataId", "a", "tag", 2), heard::add);
    await().atMost(WAIT).until(() -> heard.size() == 2);

    assertThat(ClusterClient.handle(follower).subscriptions()).containsExactly("$$inner$$__id:a");
    assertThat(ClusterClient.handle(leader).subscriptions()).containsExactly("$$inner$$__id:a");
    assertThat(leader.upstream()).hasSize(1); // one upstream subscription for both registrations
  }

  @Test
  void theDefaultKeyIsTheCompactJsonOfTheRegistration() throws Exception {
    Feed feed = ClusterClient.of(Feed.class).runtime(runtime("single"))
        .options(ClusterOptions.builder().name("feed").singleMode(true).build())
        .create(() -> new RealFeed("single", RealClientLifecycleTest::readyNow));
    feed.subscribe(new java.util.TreeMap<>(Map.of("dataId", "a", "tag", 1)), v -> {});
    assertThat(ClusterClient.handle(feed).subscriptions())
        .containsExactly("$$inner$$__{\"dataId\":\"a\",\"tag\":1}");
  }

  @Test
  void aFormatKeyThatReturnsNullFailsTheSubscriberNamingTheOption() {
    Feed feed = ClusterClient.of(Feed.class).runtime(runtime("single"))
        .options(ClusterOptions.builder().name("feed").singleMode(true).formatKey(reg -> null).build())
        .create(() -> new RealFeed("single", RealClientLifecycleTest::readyNow));
    assertThatThrownBy(() -> feed.subscribe(Map.of("dataId", "a"), v -> {}))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("formatKey")
        .hasMessageContaining("returned null");
  }
}
