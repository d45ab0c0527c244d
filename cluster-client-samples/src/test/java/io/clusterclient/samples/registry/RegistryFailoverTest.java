package io.clusterclient.samples.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.test.ClusterFixture;
import io.clusterclient.test.ClusterMember;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How to test a shared client's failover with the test fixture: three members of the registry
 * client share one ZooKeeper session in this JVM, and the one that leads is killed or stopped. The
 * listeners of the others keep hearing the providers, and a provider published before the loss is
 * published again by the next leader's session.
 */
@Timeout(120)
class RegistryFailoverTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration SESSION = Duration.ofSeconds(2);
  private static EmbeddedZooKeeper zk;

  @BeforeAll
  static void startZooKeeper() throws Exception {
    zk = EmbeddedZooKeeper.start(100); // before the fixture: its leader connects at once
  }

  @AfterAll
  static void stopZooKeeper() {
    zk.close();
  }

  // One leader and two followers, new for each test; each leader gets a Curator session of its own.
  @RegisterExtension
  final ClusterFixture<ServiceRegistry> cluster =
      ClusterFixture.of(ServiceRegistry.class)
          .realClient(() -> new CuratorServiceRegistry(zk.connectString(), SESSION))
          .build();

  @Test
  void providersStayVisibleWhenTheLeaderIsKilled() {
    ClusterMember<ServiceRegistry> watcher = cluster.follower();
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    watcher.client().subscribe(new ServiceQuery("orders"), seen::add);
    watcher.client().publish(new Registration("orders", "host-a", "127.0.0.1:8080"));
    await().atMost(WAIT).until(() -> seen.contains(List.of("host-a")));

    ClusterMember<ServiceRegistry> killed = cluster.killLeader(); // as SIGKILL: its session just expires
    ClusterMember<ServiceRegistry> next = cluster.awaitLeader();
    assertThat(next).isNotSameAs(killed);

    // The next leader replays the subscription and the publish on its own session: once the killed
    // leader's session expires and takes its node along, the replayed one is still there.
    seen.clear();
    watcher.client().publish(new Registration("orders", "host-b", "127.0.0.1:8081"));
    await().atMost(WAIT).until(() -> seen.contains(List.of("host-a", "host-b")));
  }

  @Test
  void aRollingRestartLosesNoCall() {
    ClusterMember<ServiceRegistry> caller = cluster.follower();
    caller.client().publish(new Registration("orders", "host-a", "127.0.0.1:8080"));
    await().atMost(WAIT).until(() -> registered(caller.client()));

    // Restart every other process, one by one, the leader first: each leader hands over, and the
    // caller's calls never fail. Its registration lives in the leader's session, so each next
    // leader's session creates it again from the caller's replayed publish, soon after it takes over.
    for (ClusterMember<ServiceRegistry> m : cluster.members()) {
      if (m == caller) {
        continue;
      }
      m.stop();
      cluster.join(); // the restarted process comes back, as a follower
      assertThat(cluster.awaitLeader()).isNotNull();
      await().atMost(WAIT).until(() -> registered(caller.client()));
    }
  }

  private static boolean registered(ServiceRegistry registry) {
    String data = registry.getData("/services/orders/host-a");
    return data != null && data.contains("127.0.0.1:8080");
  }
}
