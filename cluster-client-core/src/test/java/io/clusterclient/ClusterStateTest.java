package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The state of the cluster in the API: who leads, who follows, what each process subscribed. */
@Timeout(60)
class ClusterStateTest {
  public record Topic(String name) {}

  public interface Board {
    void subscribe(Topic topic, Consumer<String> listener);

    void publish(Topic topic);

    @Delegate
    String whoami();
  }

  static final class RealBoard implements Board {
    @Override
    public void subscribe(Topic topic, Consumer<String> listener) {}

    @Override
    public void publish(Topic topic) {}

    @Override
    public String whoami() {
      return "real";
    }
  }

  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  @AfterEach
  void close() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private Board board(int port) throws Exception {
    ClusterRuntime r = ClusterRuntime.builder().name("state-" + runtimes.size()).build();
    runtimes.add(r);
    Board b = ClusterClient.of(Board.class)
        .runtime(r)
        .options(ClusterOptions.builder().name("board").port(port).build())
        .create(RealBoard::new);
    ClusterClient.handle(b).ready().get(20, TimeUnit.SECONDS);
    return b;
  }

  @Test
  void theHandleTellsWhoLeadsWhoFollowsAndWhatEachSubscribed() throws Exception {
    Instant before = Instant.now();
    int port = Ports.free();
    Board leader = board(port);
    Board follower = board(port);
    ClusterHandle lh = ClusterClient.handle(leader);
    ClusterHandle fh = ClusterClient.handle(follower);
    long pid = ProcessHandle.current().pid();

    LeaderInfo seenByLeader = lh.leader().orElseThrow();
    assertThat(seenByLeader.inThisProcess()).isTrue();
    assertThat(seenByLeader.pid()).isEqualTo(pid);
    assertThat(seenByLeader.address()).isEqualTo("127.0.0.1:" + port);
    assertThat(seenByLeader.since()).isBetween(before, Instant.now());
    assertThat(seenByLeader.epoch()).isEqualTo(seenByLeader.since().toEpochMilli());

    LeaderInfo seenByFollower = fh.leader().orElseThrow();
    assertThat(seenByFollower.inThisProcess()).isFalse();
    assertThat(seenByFollower.pid()).isEqualTo(pid); // one JVM: the same process id
    assertThat(seenByFollower.address()).isEqualTo("127.0.0.1:" + port);
    assertThat(seenByFollower.epoch()).as("the leader's own epoch").isEqualTo(seenByLeader.epoch());

    assertThat(fh.followers()).as("a follower has none").isEmpty();
    follower.subscribe(new Topic("news"), v -> {});
    follower.publish(new Topic("weather"));
    assertThat(fh.subscriptions()).singleElement().asString().contains("news");
    assertThat(fh.rememberedPublishes()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<FollowerInfo> followers = lh.followers();
      assertThat(followers).hasSize(1);
      FollowerInfo f = followers.get(0);
      assertThat(f.pid()).isEqualTo(pid);
      assertThat(f.address()).startsWith("/127.0.0.1:");
      assertThat(f.subscriptions()).isEqualTo(1);
      assertThat(f.callsInFlight()).isZero();
      assertThat(f.connectedSince()).isBetween(before, Instant.now());
      assertThat(f.lastHeard()).isAfterOrEqualTo(f.connectedSince());
    });

    runtimes.get(0).close();
    await().atMost(Duration.ofSeconds(20)).until(() -> fh.isLeader());
    LeaderInfo next = fh.leader().orElseThrow();
    assertThat(next.inThisProcess()).isTrue();
    assertThat(next.epoch()).as("a later leadership").isGreaterThanOrEqualTo(seenByLeader.epoch());
    assertThat(lh.leader()).as("closed").isEmpty();
  }
}
