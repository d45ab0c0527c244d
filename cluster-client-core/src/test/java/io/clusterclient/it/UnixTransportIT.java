package io.clusterclient.it;

import static io.clusterclient.it.SharedSubscriptionIT.WAIT;
import static io.clusterclient.it.SharedSubscriptionIT.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * JVMs racing over a Unix socket: each round, several JVMs start their election at the same
 * instant, a stale socket file in the way (left by the previous round's SIGKILL): exactly one leads
 * and every other reaches it, round after round. The lock beside the socket is what makes this
 * hold between processes; {@code UnixTransportTest} races runtimes of one JVM many more times.
 */
@Timeout(300)
class UnixTransportIT {
  private static final int ROUNDS = Integer.getInteger("unix.rounds", 5);
  private static final int RACERS = 4;
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  @Test
  void jvmsRacingToReplaceAStaleSocketNeverBothLead(@TempDir Path dir) throws Exception {
    Path runDir = dir.resolve("run");
    Path constructions = dir.resolve("constructions.txt");
    int port = Ports.free();
    for (int round = 1; round <= ROUNDS; round++) {
      List<TestProcess> racers = new ArrayList<>();
      for (int i = 0; i < RACERS; i++) {
        racers.add(
            processes.add(
                ChildJvm.builder(RegistryChild.class)
                    .name("u" + round + "-" + i)
                    .args(String.valueOf(port))
                    .systemProperty("cc.constructions", constructions.toString())
                    .systemProperty("cc.gate", "true")
                    .systemProperty("clusterclient.transport", "unix")
                    .systemProperty("clusterclient.runDir", runDir.toString())
                    .start()));
      }
      // Every JVM up and waiting at its gate, then all let go together: they elect at once.
      for (TestProcess p : racers) {
        p.awaitLine("GATE", WAIT);
      }
      racers.forEach(p -> p.send("go"));
      int leaders = 0;
      for (TestProcess p : racers) {
        if (p.awaitLine("READY ", WAIT).equals("READY LEADER")) {
          leaders++;
        }
      }
      assertThat(leaders).as("round %d: leaders", round).isEqualTo(1);
      TestProcess leader = SharedSubscriptionIT.theLeader(racers, "round " + round);
      assertThat(command(leader, "pub r" + round + " v")).isEqualTo("OK pub r" + round);
      for (TestProcess p : racers) {
        assertThat(command(p, "role")).isIn("OK LEADER", "OK FOLLOWER");
        // Every process is served by the one real client: it has the leader's publish (a oneway
        // call, so it may take a moment to arrive).
        String published = "publish:r" + round + "=v";
        Deadline.await(
            p.name() + " sees the one real client", WAIT, () -> SharedSubscriptionIT.upstreamLog(p).contains(published));
      }
      for (TestProcess p : racers) {
        p.kill(); // SIGKILL: the socket file stays, stale, for the next round to replace
      }
      assertThat(runDir.resolve(port + ".sock")).exists();
    }
  }
}
