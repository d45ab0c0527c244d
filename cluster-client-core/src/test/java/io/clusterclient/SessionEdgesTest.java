package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Edges of the session that a review of the state machine found, one regression test each. */
@Timeout(60)
class SessionEdgesTest {
  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  @AfterEach
  void close() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private ClusterRuntime runtime() {
    ClusterRuntime r = ClusterRuntime.create();
    runtimes.add(r);
    return r;
  }

  public record Topic(String name) {}

  public interface Board {
    void subscribe(Topic topic, Consumer<String> listener);

    void unsubscribe(Topic topic, Consumer<String> listener);

    void publish(Topic topic);

    @Delegate(DelegateType.INVOKE_ONEWAY)
    void unpublish(Topic topic);

    @Delegate
    void set(String topic, String value);

    @Delegate
    List<String> log();
  }

  /** Like a registry: a new listener hears the current value at once. */
  public static final class RealBoard implements Board {
    final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    final Map<String, String> values = new ConcurrentHashMap<>();
    final List<String> log = new CopyOnWriteArrayList<>();

    @Override
    public void subscribe(Topic topic, Consumer<String> listener) {
      listeners.computeIfAbsent(topic.name(), k -> new CopyOnWriteArrayList<>()).add(listener);
      String v = values.get(topic.name());
      if (v != null) {
        listener.accept(v);
      }
    }

    @Override
    public void unsubscribe(Topic topic, Consumer<String> listener) {
      listeners.getOrDefault(topic.name(), new ArrayList<>()).remove(listener);
    }

    @Override
    public void publish(Topic topic) {
      log.add("+" + topic.name());
    }

    @Override
    public void unpublish(Topic topic) {
      log.add("-" + topic.name());
    }

    @Override
    public void set(String topic, String value) {
      values.put(topic, value);
      listeners.getOrDefault(topic, List.of()).forEach(l -> l.accept(value));
    }

    @Override
    public List<String> log() {
      return List.copyOf(log);
    }
  }

  private Board board(ClusterRuntime runtime, ClusterOptions options) {
    return ClusterClient.of(Board.class).runtime(runtime).options(options).create(
        () -> {
          Thread.sleep(50); // ready() is not complete when its dependents are added
          return new RealBoard();
        });
  }

  @Test
  void dependentsOfReadyNeverRunOnAnIoThread() throws Exception {
    Board board = board(runtime(), ClusterOptions.builder().name("ready-thread").singleMode(true).build());
    String thread =
        ClusterClient.handle(board).ready().thenApply(x -> Thread.currentThread().getName())
            .get(10, TimeUnit.SECONDS);
    assertThat(thread).doesNotContain("-io-");
  }

  @Test
  void onTheLeaderAOnewayAfterAPublishNeverOvertakesIt() throws Exception {
    Board board = board(runtime(), ClusterOptions.builder().name("publish-order").singleMode(true).build());
    ClusterClient.handle(board).ready().get(10, TimeUnit.SECONDS);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      board.publish(new Topic("t" + i));
      board.unpublish(new Topic("t" + i));
      expected.add("+t" + i);
      expected.add("-t" + i);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> board.log().size() == expected.size());
    assertThat(board.log()).isEqualTo(expected);
  }

  @Test
  void aKeyUnsubscribedAndSubscribedAgainAtOnceGetsTheCurrentValue() throws Exception {
    int port = Ports.free();
    ClusterOptions options = ClusterOptions.builder().name("resubscribe").port(port).build();
    Board leader = board(runtime(), options);
    ClusterClient.handle(leader).ready().get(10, TimeUnit.SECONDS);
    Board follower = board(runtime(), options);
    ClusterClient.handle(follower).ready().get(10, TimeUnit.SECONDS);
    leader.set("news", "v1");
    for (int i = 0; i < 20; i++) {
      List<String> first = new CopyOnWriteArrayList<>();
      Consumer<String> l1 = first::add;
      follower.subscribe(new Topic("news"), l1);
      await().atMost(Duration.ofSeconds(10)).until(() -> first.contains("v1"));
      List<String> second = new CopyOnWriteArrayList<>();
      follower.unsubscribe(new Topic("news"), l1);
      follower.subscribe(new Topic("news"), second::add);
      await().atMost(Duration.ofSeconds(10)).until(() -> second.contains("v1"));
      follower.unsubscribe(new Topic("news"), null);
    }
  }

  @Test
  void aNewListenerHearsTheCurrentRoleAtOnceThenEveryChange() throws Exception {
    Board board = board(runtime(), ClusterOptions.builder().name("listener-now").singleMode(true).build());
    ClusterHandle handle = ClusterClient.handle(board);
    handle.ready().get(10, TimeUnit.SECONDS);
    List<Role> roles = new CopyOnWriteArrayList<>();
    handle.addListener(
        new ClusterListener() {
          @Override
          public void roleChanged(ClusterHandle h, Role role) {
            roles.add(role);
          }
        },
        Runnable::run);
    await().atMost(Duration.ofSeconds(10)).until(() -> !roles.isEmpty());
    handle.close();
    assertThat(roles).containsExactly(Role.LEADER, Role.CLOSED);
  }
}
