package io.clusterclient.it;

import static io.clusterclient.it.SharedSubscriptionIT.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A leader that hangs, and a real client that cannot be created: detected, reported, recovered. */
@Timeout(180)
class FaultToleranceIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess start(String name, int port, String... props) {
    return processes.add(
        ChildJvm.builder(RegistryChild.class)
            .name(name)
            .args("" + port)
            .systemProperty("cc.heartbeat", "300")
            .systemProperty("cc.responseTimeout", "600")
            .systemProperty("cc.connectTimeout", "1000")
            .systemProperties(props)
            .start());
  }

  @Test
  void aStoppedLeaderIsDetectedCallsFailFastAndTheClusterRecoversWhenItResumes() {
    int port = Ports.free();
    TestProcess leader = start("hung-leader", port);
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess follower = start("hung-follower", port);
    assertThat(follower.awaitLine("READY ", WAIT)).isEqualTo("READY FOLLOWER");
    assertThat(command(follower, "sub h1")).isEqualTo("OK sub h1");

    leader.suspend();
    follower.awaitLine("ROLE ELECTING", WAIT);
    // No waiting out timeouts: the follower knows the holder of the port does not answer.
    String failed = command(follower, "log");
    assertThat(failed)
        .startsWith("ERR io.clusterclient.LeaderUnresponsiveException ")
        .contains("127.0.0.1:" + port)
        .contains("does not answer");

    leader.resume();
    follower.awaitLine("ROLE FOLLOWER", WAIT);
    // The replayed subscription reaches the real client asynchronously, after the follower is back.
    io.clusterclient.testing.Deadline.await(
        "the replayed subscription in the real client",
        WAIT,
        () -> command(follower, "log").contains("subscribe:h1"));
    assertThat(command(leader, "pub h1 awake")).isEqualTo("OK pub h1");
    Lines.awaitSeen(follower, "PUSH h1 [\"awake\"]");
  }

  @Test
  void aRealClientThatCannotBeCreatedFailsReadyEverywhereAndTheNextElectionRetriesIt(
      @TempDir Path dir) throws Exception {
    Path down = Files.createFile(dir.resolve("upstream-down"));
    int port = Ports.free();
    TestProcess first = start("broken-1", port, "cc.failFactory", down.toString());
    TestProcess second = start("broken-2", port, "cc.failFactory", down.toString());
    for (TestProcess p : new TestProcess[] {first, second}) {
      assertThat(p.awaitLine("READY", WAIT))
          .startsWith("READY_FAILED io.clusterclient.ClusterException ")
          .contains("IllegalStateException")
          .contains("upstream is down");
    }
    assertThat(command(second, "log"))
        .startsWith("ERR io.clusterclient.ClusterException ")
        .contains("upstream is down");

    Files.delete(down);
    String r1 = first.awaitLine(l -> l.equals("ROLE LEADER") || l.equals("ROLE FOLLOWER"), WAIT);
    String r2 = second.awaitLine(l -> l.equals("ROLE LEADER") || l.equals("ROLE FOLLOWER"), WAIT);
    assertThat(r1).isNotEqualTo(r2);
    assertThat(command(second, "log")).startsWith("OK [");
  }
}
