package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Across JVMs: a real client that becomes ready later (its failure reaches every process's {@code
 * ready()}), its events (they reach every process, in the order emitted), and the environment
 * variables of Node.js cluster-client.
 */
@Timeout(180)
class RealClientLifecycleIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess feed(String tag, String ready, String... args) {
    return processes.add(ChildJvm.builder(FeedChild.class).name(tag).args(args)
        .systemProperty("cc.ready", ready).start());
  }

  @Test
  void eventsOfTheRealClientReachEveryProcessInTheOrderEmitted() {
    int port = Ports.free();
    TestProcess leader = feed("feed-leader", "ok", "" + port, "leader=true");
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess one = feed("feed-one", "ok", "" + port, "leader=false");
    TestProcess two = feed("feed-two", "ok", "" + port, "leader=false");
    assertThat(one.awaitLine("READY ", WAIT)).isEqualTo("READY FOLLOWER");
    assertThat(two.awaitLine("READY ", WAIT)).isEqualTo("READY FOLLOWER");

    one.send("emit 30"); // a follower asks; the leader's real client emits
    one.awaitLine("OK emit", WAIT);
    String[] expected = new String[30];
    for (int i = 0; i < 30; i++) {
      expected[i] = "EVENT " + i;
    }
    for (TestProcess p : new TestProcess[] {leader, one, two}) {
      Lines.awaitSeenInOrder(p, expected);
      assertThat(p.lines().stream().filter(l -> l.startsWith("EVENT ")).toList()).containsExactly(expected);
    }
  }

  @Test
  void aRealClientThatCannotGetReadyFailsReadyInEveryProcess() {
    int port = Ports.free();
    TestProcess leader = feed("refused-leader", "refuse", "" + port, "leader=true");
    TestProcess follower = feed("refused-follower", "refuse", "" + port, "leader=false");

    assertThat(leader.awaitLine("READY", WAIT))
        .startsWith("READY_FAILED the real client of 'feed' did not become ready")
        .contains("upstream refused the session");
    assertThat(follower.awaitLine("READY", WAIT))
        .startsWith("READY_FAILED ")
        .contains("did not become ready")
        .contains("upstream refused the session");
  }

  @Test
  void theEnvironmentVariablesOfNodeJsConfigureJavaProcesses() {
    int port = Ports.free();
    TestProcess leader = feed("env-leader", "ok", "" + port, "leader=true");
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess follower = processes.add(ChildJvm.builder(FeedChild.class).name("env-follower")
        .args("env", "leader=false").env("NODE_CLUSTER_CLIENT_PORT", "" + port).start());
    assertThat(follower.awaitLine("READY ", WAIT)).isEqualTo("READY FOLLOWER");
    // Single mode: a leader of its own, whatever holds the port.
    TestProcess single = processes.add(ChildJvm.builder(FeedChild.class).name("env-single")
        .args("env").env("NODE_CLUSTER_CLIENT_PORT", "" + port).env("NODE_CLUSTER_CLIENT_SINGLE_MODE", "1").start());
    assertThat(single.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
  }
}
