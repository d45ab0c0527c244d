package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import io.clusterclient.testing.FakeLeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What keeps a process's memory bounded: a slow listener holds up only its own key, remembered
 * publishes are bounded and can be retracted, and a leader that stops reading cannot make a
 * follower buffer calls without limit.
 */
@Timeout(60)
class BoundedMemoryTest {
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  public record Topic(String name) {}

  public interface Feed {
    void subscribe(Topic topic, Consumer<String> listener);

    void publish(Topic topic);

    @Delegate
    void emit(String topic, String value);

    @Delegate
    Set<String> published();

    @Delegate
    int listeners(String topic);
  }

  /** Listeners by topic; {@code emit} pushes a value; {@code publish} is remembered. */
  public static final class RealFeed implements Feed {
    final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    final Set<String> published = ConcurrentHashMap.newKeySet();

    @Override
    public void subscribe(Topic topic, Consumer<String> listener) {
      listeners.computeIfAbsent(topic.name(), k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    @Override
    public void publish(Topic topic) {
      published.add(topic.name());
    }

    @Override
    public void emit(String topic, String value) {
      listeners.getOrDefault(topic, List.of()).forEach(l -> l.accept(value));
    }

    @Override
    public Set<String> published() {
      return Set.copyOf(published);
    }

    @Override
    public int listeners(String topic) {
      return listeners.getOrDefault(topic, List.of()).size();
    }
  }

  private Feed feed(ClusterRuntime runtime, ClusterOptions options) {
    Feed f = ClusterClient.of(Feed.class).runtime(runtime).options(options).create(RealFeed::new);
    toClose.add(ClusterClient.handle(f));
    return f;
  }

  private ClusterRuntime runtime() {
    ClusterRuntime r = ClusterRuntime.create();
    toClose.add(r);
    return r;
  }

  @Test
  void aSlowListenerHoldsUpOnlyItsOwnKey() throws Exception {
    Feed feed = feed(runtime(), ClusterOptions.builder().name("slow-listener").singleMode(true).build());
    CountDownLatch release = new CountDownLatch(1);
    toClose.add(release::countDown);
    CountDownLatch stuck = new CountDownLatch(1);
    feed.subscribe(new Topic("slow"), v -> {
      stuck.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    List<String> fast = new CopyOnWriteArrayList<>();
    feed.subscribe(new Topic("fast"), fast::add);
    // The leader subscribes upstream on a worker: wait for it before emitting.
    await().atMost(Duration.ofSeconds(10))
        .until(() -> feed.listeners("slow") == 1 && feed.listeners("fast") == 1);
    feed.emit("slow", "1");
    assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
    feed.emit("fast", "a");
    feed.emit("fast", "b");
    // Delivered while the slow listener still holds its own key's delivery.
    await().atMost(Duration.ofSeconds(10)).until(() -> fast.size() == 2);
    assertThat(fast).containsExactly("a", "b");
    release.countDown();
  }

  @Test
  void rememberedPublishesAreBoundedAndARetractedOneIsNotReplayed() throws Exception {
    int port = Ports.free();
    ClusterOptions options =
        ClusterOptions.builder().name("bounded-publishes").port(port).maxRememberedPublishes(2).build();
    ClusterRuntime leaderRuntime = runtime();
    Feed leader = feed(leaderRuntime, options);
    ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
    Feed follower = feed(runtime(), options);
    ClusterHandle handle = ClusterClient.handle(follower);
    handle.ready().get(20, TimeUnit.SECONDS);

    follower.publish(new Topic("one"));
    follower.publish(new Topic("two"));
    follower.publish(new Topic("two")); // the same key again: still two remembered
    assertThatThrownBy(() -> follower.publish(new Topic("three")))
        .isInstanceOf(ClusterException.class)
        .hasMessageContaining("maxRememberedPublishes")
        .hasMessageContaining("retractPublish");
    assertThat(handle.retractPublish(new Topic("one")).get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(handle.retractPublish(new Topic("one")).get(10, TimeUnit.SECONDS)).isFalse();
    follower.publish(new Topic("three"));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> leader.published().containsAll(Set.of("one", "two", "three")));

    // The next leader hears what is still remembered, not what was retracted.
    leaderRuntime.close();
    await().atMost(Duration.ofSeconds(20)).until(() -> handle.role() == Role.LEADER);
    await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(follower.published()).containsExactlyInAnyOrder("two", "three"));
  }

  public interface Blob {
    CompletableFuture<byte[]> echo(byte[] bytes);
  }

  @Test
  void aLeaderThatStopsReadingCannotMakeAFollowerBufferWithoutBound() throws Exception {
    FakeLeader stalled = new FakeLeader(FakeLeader.Mode.STOP_READING);
    toClose.add(stalled);
    Blob blob =
        ClusterClient.of(Blob.class)
            .runtime(runtime())
            .options(
                ClusterOptions.builder()
                    .name("stalled")
                    .allowUnauthenticated(true) // FakeLeader proves nothing, as a Node.js leader
                    .port(stalled.port())
                    .leader(false)
                    .maxFrameLength(2 << 20)
                    .responseTimeout(Duration.ofSeconds(2))
                    .build())
            .create(() -> null);
    toClose.add(ClusterClient.handle(blob));
    ClusterClient.handle(blob).ready().get(20, TimeUnit.SECONDS);
    byte[] mib = new byte[1 << 20];
    List<CompletableFuture<byte[]>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) { // 200 MiB, far more than the limits let wait
      calls.add(blob.echo(mib));
    }
    List<Throwable> errors = new ArrayList<>();
    for (CompletableFuture<byte[]> c : calls) {
      try {
        c.get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        errors.add(e.getCause());
      }
    }
    assertThat(errors).hasSize(200);
    assertThat(errors)
        .as("calls past the limit fail at once, saying why")
        .anySatisfy(e -> assertThat(e).hasMessageContaining("is not reading").hasMessageContaining("limit"));
    assertThat(errors)
        .as("calls that waited their turn and timed out say they were never sent")
        .anySatisfy(e -> assertThat(e).isInstanceOf(ClusterTimeoutException.class)
            .hasMessageContaining("could not be sent"));
  }
}
