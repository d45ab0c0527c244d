package io.clusterclient.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusterclient.Delegate;
import io.clusterclient.Role;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fixture in the test's JVM: it elects, kills and stops leaders, and waits for the next one. */
@Timeout(60)
class ClusterFixtureTest {
  /** A small registry: which real client answers, and a topic that hears publishes. */
  public interface Board {
    @Delegate
    String whoami();

    void subscribe(Map<String, String> reg, Consumer<String> listener);

    void publish(Map<String, String> reg);
  }

  static final AtomicInteger REAL_CLIENTS = new AtomicInteger();

  static final class RealBoard implements Board, AutoCloseable {
    final String id = "real-" + REAL_CLIENTS.incrementAndGet();
    volatile boolean closed;

    @Override
    public void close() {
      closed = true;
    }

    final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    final Map<String, String> values = new ConcurrentHashMap<>();

    @Override
    public String whoami() {
      return id;
    }

    @Override
    public void subscribe(Map<String, String> reg, Consumer<String> listener) {
      listeners.computeIfAbsent(reg.get("topic"), k -> new CopyOnWriteArrayList<>()).add(listener);
      String v = values.get(reg.get("topic"));
      if (v != null) {
        listener.accept(v);
      }
    }

    @Override
    public void publish(Map<String, String> reg) {
      String value = reg.get("value") + "@" + id;
      values.put(reg.get("topic"), value);
      for (Consumer<String> l : listeners.getOrDefault(reg.get("topic"), List.of())) {
        l.accept(value);
      }
    }
  }

  @RegisterExtension
  final ClusterFixture<Board> cluster = ClusterFixture.of(Board.class).realClient(RealBoard::new).build();

  @Test
  void memberOneLeadsAndTheOthersFollowIt() {
    List<ClusterMember<Board>> members = cluster.members();
    assertThat(members).hasSize(3);
    assertThat(cluster.awaitLeader().name()).isEqualTo("member-1");
    assertThat(members.subList(1, 3)).allMatch(m -> m.role() == Role.FOLLOWER);
    String real = members.get(0).client().whoami();
    assertThat(members).allMatch(m -> m.client().whoami().equals(real));
  }

  @Test
  void aKilledLeaderIsReplacedAndSubscriptionsGoOn() {
    ClusterMember<Board> follower = cluster.follower();
    List<String> heard = new CopyOnWriteArrayList<>();
    follower.client().subscribe(Map.of("topic", "news"), heard::add);
    follower.client().publish(Map.of("topic", "news", "value", "first"));
    String firstReal = follower.client().whoami();
    org.awaitility.Awaitility.await().until(() -> heard.contains("first@" + firstReal));

    ClusterMember<Board> killed = cluster.killLeader();
    assertThat(killed.isAlive()).isFalse();
    assertThat(killed.role()).isEqualTo(Role.CLOSED);
    ClusterMember<Board> next = cluster.awaitLeader();
    assertThat(next).isNotSameAs(killed);

    // The new leader built a new real client; the publish and the subscription were replayed to it.
    String secondReal = follower.client().whoami();
    assertThat(secondReal).isNotEqualTo(firstReal);
    org.awaitility.Awaitility.await().until(() -> heard.contains("first@" + secondReal));
  }

  @Test
  void aStoppedLeaderHandsOverAndAJoiningMemberFollows() {
    ClusterMember<Board> stopped = cluster.stopLeader();
    assertThat(stopped.isAlive()).isFalse();
    ClusterMember<Board> next = cluster.awaitLeader();
    assertThat(next.name()).isIn("member-2", "member-3");

    ClusterMember<Board> joined = cluster.join();
    assertThat(cluster.awaitLeader()).isSameAs(next);
    assertThat(joined.role()).isEqualTo(Role.FOLLOWER);
    assertThat(joined.client().whoami()).isEqualTo(next.client().whoami());
  }

  @Test
  void withOneMemberLeftNoneFollowsAndTheFixtureSaysSo() {
    cluster.killLeader();
    cluster.killLeader();
    ClusterMember<Board> last = cluster.awaitLeader();
    assertThat(cluster.members()).filteredOn(ClusterMember::isAlive).containsExactly(last);
    assertThatThrownBy(cluster::follower)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no member of the test's JVM follows")
        .hasMessageContaining("member-1 ended");
  }

  @Test
  void aKilledLeadersRealClientStaysOpenUntilTheFixtureCloses() {
    List<RealBoard> made = new CopyOnWriteArrayList<>();
    ClusterFixture<Board> own = ClusterFixture.of(Board.class).members(2).realClient(() -> {
      RealBoard b = new RealBoard();
      made.add(b);
      return b;
    }).build();
    own.start();
    own.killLeader();
    own.awaitLeader();
    assertThat(made).hasSize(2);
    assertThat(made.get(0).closed).as("left open, as after a crash").isFalse();
    own.close();
    assertThat(made).allMatch(b -> b.closed);
  }

  @Test
  void aBuilderWithoutARealClientSaysWhatIsMissing() {
    assertThatThrownBy(() -> ClusterFixture.of(Board.class).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("realClient(");
  }
}
