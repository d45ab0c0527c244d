package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A leader and its followers in one JVM: each on a {@link ClusterRuntime} of its own, meeting over
 * the loopback as processes would. Election, calls, subscriptions, the loss of the leader and close.
 */
@Timeout(60)
class InJvmClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  /** A topic to subscribe to; a record, so it survives the JSON round trip. */
  public record Topic(String name) {}

  public interface Board extends AutoCloseable {
    void subscribe(Topic topic, Consumer<String> listener);

    void publish(Topic topic);

    @Delegate
    String whoami();

    CompletableFuture<Integer> add(int a, int b);

    @Override
    void close();
  }

  /**
   * The real client, like a registry: each publish tells the topic's listeners which real client
   * holds it, and a new listener hears the topic's current state at once.
   */
  static final class RealBoard implements Board {
    final String id;
    final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    final Map<String, String> state = new ConcurrentHashMap<>();

    RealBoard(String id) {
      this.id = id;
    }

    @Override
    public void subscribe(Topic topic, Consumer<String> listener) {
      listeners.computeIfAbsent(topic.name(), k -> new CopyOnWriteArrayList<>()).add(listener);
      String current = state.get(topic.name());
      if (current != null) {
        listener.accept(current);
      }
    }

    @Override
    public void publish(Topic topic) {
      state.put(topic.name(), topic.name() + "@" + id);
      for (Consumer<String> l : listeners.getOrDefault(topic.name(), List.of())) {
        l.accept(topic.name() + "@" + id);
      }
    }

    @Override
    public String whoami() {
      return id;
    }

    @Override
    public CompletableFuture<Integer> add(int a, int b) {
      return CompletableFuture.completedFuture(a + b);
    }

    @Override
    public void close() {}
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

  private static Board board(ClusterRuntime runtime, int port, String id) {
    return ClusterClient.of(Board.class)
        .runtime(runtime)
        .options(ClusterOptions.builder().name("board").port(port).build())
        .create(() -> new RealBoard(id));
  }

  @Test
  void aLeaderAndTwoFollowersInOneJvmElectCallSubscribeSurviveTheLeaderAndClose() throws Exception {
    int port = Ports.free();
    Board leader = board(runtime("r1"), port, "r1");
    ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
    assertThat(ClusterClient.handle(leader).role()).isEqualTo(Role.LEADER);

    ClusterRuntime r2 = runtime("r2");
    ClusterRuntime r3 = runtime("r3");
    Board two = board(r2, port, "r2");
    Board three = board(r3, port, "r3");
    List<Role> rolesOfTwo = new CopyOnWriteArrayList<>();
    ClusterClient.handle(two)
        .addListener(
            new ClusterListener() {
              @Override
              public void roleChanged(ClusterHandle handle, Role role) {
                rolesOfTwo.add(role);
              }
            },
            Runnable::run);
    ClusterClient.handle(two).ready().get(20, TimeUnit.SECONDS);
    ClusterClient.handle(three).ready().get(20, TimeUnit.SECONDS);
    assertThat(ClusterClient.handle(two).role()).isEqualTo(Role.FOLLOWER);
    assertThat(ClusterClient.handle(three).role()).isEqualTo(Role.FOLLOWER);

    // Calls from followers reach the one real client.
    assertThat(two.whoami()).isEqualTo("r1");
    assertThat(three.add(2, 3).get(10, TimeUnit.SECONDS)).isEqualTo(5);

    // A subscription of one follower hears a publish of another.
    List<String> heard = new CopyOnWriteArrayList<>();
    three.subscribe(new Topic("news"), heard::add);
    await().atMost(WAIT).untilAsserted(() -> {
      two.publish(new Topic("news"));
      assertThat(heard).contains("news@r1");
    });

    // The leader's runtime goes away: a follower leads, the subscription and the publish are
    // replayed to its new real client, and the listener hears it without subscribing again.
    runtimes.get(0).close();
    await().atMost(WAIT).until(() -> ClusterClient.handle(two).role().isConnected()
        && ClusterClient.handle(three).role().isConnected());
    String next = ClusterClient.handle(two).isLeader() ? "r2" : "r3";
    assertThat(List.of(ClusterClient.handle(two).role(), ClusterClient.handle(three).role()))
        .containsExactlyInAnyOrder(Role.LEADER, Role.FOLLOWER);
    assertThat(two.whoami()).isEqualTo(next);
    assertThat(three.whoami()).isEqualTo(next);
    await().atMost(WAIT).until(() -> heard.contains("news@" + next));

    // Role listeners heard a path through the state table.
    // The listener heard the role it joined in (ELECTING, or FOLLOWER if the election was over),
    // then every change.
    await().atMost(WAIT).until(() -> !rolesOfTwo.isEmpty());
    int skip = rolesOfTwo.get(0) == Role.ELECTING ? 1 : 0;
    await().atMost(WAIT).until(() -> rolesOfTwo.size() >= skip + 3);
    List<Role> changes = new ArrayList<>(rolesOfTwo.subList(skip, rolesOfTwo.size()));
    assertThat(changes.subList(0, 2)).containsExactly(Role.FOLLOWER, Role.ELECTING);
    assertThat(changes.get(2)).isIn(Role.LEADER, Role.FOLLOWER);

    // Close: calls fail as closed, the listener hears CLOSED last, and the runtimes stop.
    ClusterClient.handle(two).close();
    assertThat(rolesOfTwo.get(rolesOfTwo.size() - 1)).isEqualTo(Role.CLOSED);
    assertThatThrownBy(two::whoami).isInstanceOf(ClusterClosedException.class);
    r3.close();
    assertThat(ClusterClient.handle(three).role()).isEqualTo(Role.CLOSED);
    assertThatThrownBy(() -> board(r3, port, "again")).isInstanceOf(ClusterClosedException.class);
    r2.close();
    await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().startsWith("r1-") || t.getName().startsWith("r2-")
            || t.getName().startsWith("r3-")));
  }

  /** Records which threads decode results of type {@code Integer}. */
  static final class WatchingCodec implements ClusterCodec {
    final com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    final List<String> integerDecoders = new CopyOnWriteArrayList<>();

    @Override
    public void encode(Object value, java.lang.reflect.Type type, java.io.OutputStream out)
        throws IOException {
      mapper.writerFor(mapper.constructType(type)).writeValue(out, value);
    }

    @Override
    public Object decode(java.io.InputStream in, java.lang.reflect.Type type) throws IOException {
      if (type == Integer.class) {
        integerDecoders.add(Thread.currentThread().getName());
      }
      return mapper.readerFor(mapper.constructType(type)).readValue(in);
    }
  }

  /**
   * A caller blocked on an asynchronous call's future reads the answer itself, as a synchronous
   * caller does, instead of waiting for a worker to hand it over; callbacks still never run on an
   * I/O thread.
   */
  @Test
  void aCallerBlockedOnAnAsyncCallReadsTheAnswerOnItsOwnThread() throws Exception {
    int port = Ports.free();
    WatchingCodec codec = new WatchingCodec();
    ClusterOptions options = ClusterOptions.builder().name("board").port(port).codec(codec).build();
    Board leader = ClusterClient.of(Board.class).runtime(runtime("a1")).options(options)
        .create(() -> new RealBoard("a1"));
    ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
    Board follower = ClusterClient.of(Board.class).runtime(runtime("a2")).options(options)
        .create(() -> new RealBoard("a2"));
    ClusterClient.handle(follower).ready().get(20, TimeUnit.SECONDS);

    for (int i = 0; i < 20; i++) {
      assertThat(follower.add(i, 1).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
    }
    assertThat(codec.integerDecoders).hasSize(20);
    assertThat(codec.integerDecoders).contains(Thread.currentThread().getName());
    assertThat(codec.integerDecoders).noneMatch(t -> t.contains("-io-"));

    String callbackThread = follower.add(1, 2).thenApply(v -> Thread.currentThread().getName())
        .get(10, TimeUnit.SECONDS);
    assertThat(callbackThread).doesNotContain("-io-");
  }
}
