package io.clusterclient.samples.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.ClusterOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The directory in one process, against an embedded ZooKeeper: this process leads. */
@Timeout(60)
class ProviderDirectoryTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration SESSION = Duration.ofSeconds(2);

  private EmbeddedZooKeeper zk;
  private ProviderDirectory directory;

  @BeforeEach
  void start() throws Exception {
    zk = EmbeddedZooKeeper.start(100);
    directory = new ProviderDirectory(zk.connectString(), SESSION, options(freePort()));
    directory.ready().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    directory.close();
    zk.close();
  }

  private static ClusterOptions options(int port) {
    return ClusterOptions.builder().name("provider-directory-test").port(port).build();
  }

  @Test
  void providersComeFromTheCacheThatZooKeeperKeepsFresh() throws Exception {
    assertThat(directory.isLeader()).isTrue();
    assertThat(directory.providers("demo")).isEmpty();
    List<List<String>> changes = new CopyOnWriteArrayList<>();
    directory.onChange("demo", changes::add);

    directory.register(new Registration("demo", "local", "127.0.0.1:1"));
    await().atMost(WAIT).until(() -> directory.providers("demo").equals(List.of("local")));
    assertThat(zk.sessions()).as("the directory's one ZooKeeper session").isEqualTo(1);

    // A provider registered by another ZooKeeper client shows up, and goes, through the watch.
    try (CuratorFramework other =
        CuratorFrameworkFactory.newClient(zk.connectString(), new RetryOneTime(100))) {
      other.start();
      other.create().withMode(CreateMode.EPHEMERAL).forPath("/services/demo/remote", new byte[0]);
      await().atMost(WAIT).until(() -> directory.providers("demo").equals(List.of("local", "remote")));
      other.delete().forPath("/services/demo/remote");
      await().atMost(WAIT).until(() -> directory.providers("demo").equals(List.of("local")));
    }
    await().atMost(WAIT).until(() -> changes.contains(List.of("local", "remote")));
    assertThat(changes).startsWith(List.of()).endsWith(List.of("local"));
  }

  @Test
  void aRegistrationIsReadThroughTheSharedClient() {
    Registration registration = new Registration("demo", "reader", "127.0.0.1:2");
    directory.register(registration);
    await().atMost(WAIT).until(() -> directory.registration("demo", "reader").isPresent());
    assertThat(directory.registration("demo", "reader")).contains(registration);
    assertThat(directory.registration("demo", "nobody")).isEmpty();
  }

  @Test
  void aSecondDirectoryInTheProcessSharesTheSessionAndTheSubscription() throws Exception {
    try (ProviderDirectory second =
        new ProviderDirectory(zk.connectString(), SESSION, options(directory.clusterHandle().port()))) {
      second.ready().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      second.register(new Registration("demo", "second", "127.0.0.1:3"));
      await().atMost(WAIT).until(() -> directory.providers("demo").equals(List.of("second")));
      assertThat(second.providers("demo")).containsExactly("second");
      assertThat(zk.sessions()).isEqualTo(1);
    }
  }

  @Test
  void closingTheLeaderEndsTheSessionAndItsRegistrations() {
    directory.register(new Registration("demo", "leaving", "127.0.0.1:4"));
    await().atMost(WAIT).until(() -> zk.childrenWithOwners("/services/demo").containsKey("leaving"));

    directory.close();

    await().atMost(WAIT).until(() -> zk.sessions() == 0);
    assertThat(zk.childrenWithOwners("/services/demo")).isEmpty();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
