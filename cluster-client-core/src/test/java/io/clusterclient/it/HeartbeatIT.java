package io.clusterclient.it;

import static io.clusterclient.it.SharedSubscriptionIT.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Heartbeats every 300 ms: the leader drops followers silent for 900 ms, and only those. */
@Timeout(120)
class HeartbeatIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess start(String name, int port) {
    return processes.add(
        ChildJvm.builder(RegistryChild.class)
            .name(name)
            .args("" + port)
            .systemProperty("cc.heartbeat", "300")
            // The leader's heartbeat log lines go to stdout, where the test can wait for them.
            .systemProperty("org.slf4j.simpleLogger.logFile", "System.out")
            .systemProperty(
                "org.slf4j.simpleLogger.log.io.clusterclient.internal.leader.LeaderChannel", "debug")
            .start());
  }

  @Test
  void anIdleFollowerStaysConnectedThroughHeartbeats() {
    int port = Ports.free();
    TestProcess leader = start("hb-leader", port);
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess follower = start("hb-follower", port);
    assertThat(follower.awaitLine("READY ", WAIT)).isEqualTo("READY FOLLOWER");

    // Ten heartbeats span 3 s, over three times the 900 ms the leader tolerates in silence.
    for (int i = 0; i < 10; i++) {
      leader.awaitLine(l -> l.contains("heartbeat from"), WAIT);
    }
    assertThat(follower.lines()).noneMatch(l -> l.startsWith("ROLE ELECTING"));
    assertThat(leader.lines()).noneMatch(l -> l.contains("silent for"));
    assertThat(command(follower, "role")).isEqualTo("OK FOLLOWER");
  }

  @Test
  void aSilentFollowerIsDroppedByTheLeaderAndRejoinsWhenItWakesUp() {
    int port = Ports.free();
    TestProcess leader = start("hb-leader", port);
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess follower = start("hb-follower", port);
    assertThat(follower.awaitLine("READY ", WAIT)).isEqualTo("READY FOLLOWER");

    follower.suspend();
    String dropped = leader.awaitLine(l -> l.contains("silent for"), WAIT);
    assertThat(dropped).contains("900 ms").contains("checkHeartbeat(false)");
    follower.resume();

    follower.awaitLine("ROLE ELECTING", WAIT);
    follower.awaitLine("ROLE FOLLOWER", WAIT);
    assertThat(command(follower, "log")).startsWith("OK [");
  }
}
