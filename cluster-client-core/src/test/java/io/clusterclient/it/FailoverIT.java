package io.clusterclient.it;

import static io.clusterclient.it.SharedSubscriptionIT.WAIT;
import static io.clusterclient.it.SharedSubscriptionIT.command;
import static io.clusterclient.it.SharedSubscriptionIT.upstreamLog;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import io.clusterclient.ClusterTransport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of the leader: the others elect a new one, replay, and the users' listeners keep working. */
@Timeout(240)
class FailoverIT {
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  /**
   * Over both transports. Over a Unix socket, the killed leader leaves its socket file behind: the
   * survivors find it stale and replace it, exactly one of them.
   */
  @ParameterizedTest
  @EnumSource(ClusterTransport.class)
  void aKilledLeaderIsReplacedAndSubscriptionsAndPublishesAreReplayed(
      ClusterTransport transport, @TempDir Path dir) throws Exception {
    Path constructions = dir.resolve("constructions.txt");
    Path runDir = transport == ClusterTransport.UNIX ? dir.resolve("run") : null;
    int port = Ports.free();
    List<TestProcess> all = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      TestProcess p =
          processes.add(SharedSubscriptionIT.registryProcess("f" + i, port, constructions, runDir));
      all.add(p);
    }
    TestProcess leader = null;
    List<TestProcess> followers = new ArrayList<>();
    for (TestProcess p : all) {
      if (p.awaitLine("READY ", WAIT).equals("READY LEADER")) {
        leader = p;
      } else {
        followers.add(p);
      }
    }
    assertThat(leader).isNotNull();
    assertThat(followers).hasSize(3);
    TestProcess publisher = followers.get(0);

    for (TestProcess p : all) {
      assertThat(command(p, "sub d2")).isEqualTo("OK sub d2");
      upstreamLog(p);
    }
    assertThat(command(publisher, "pub d2 before")).isEqualTo("OK pub d2");
    for (TestProcess p : all) {
      Lines.awaitSeen(p, "PUSH d2 [\"before\"]");
    }

    leader.kill();
    if (runDir != null) {
      assertThat(runDir.resolve(port + ".sock")).as("the socket file a SIGKILL leaves").exists();
    }

    // Every survivor notices, elects, replays and reports a role again.
    for (TestProcess p : followers) {
      p.awaitLine("ROLE ELECTING", WAIT);
      p.awaitLine(l -> l.equals("ROLE LEADER") || l.equals("ROLE FOLLOWER"), WAIT);
    }
    long leaders = followers.stream().filter(p -> command(p, "role").equals("OK LEADER")).count();
    assertThat(leaders).as("exactly one new leader").isEqualTo(1);
    assertThat(Files.readAllLines(constructions)).as("a new real client").hasSize(2);

    // The new real client received the replayed subscription (once) and the replayed publish.
    Deadline.await(
        "the replayed subscription and publish in the new real client",
        WAIT,
        () -> {
          List<String> log = upstreamLog(publisher);
          return log.contains("subscribe:d2") && log.contains("publish:d2=before");
        });
    assertThat(upstreamLog(publisher)).containsOnlyOnce("subscribe:d2");

    // The users' listeners were kept: the next update reaches every survivor.
    assertThat(command(publisher, "pub d2 after")).isEqualTo("OK pub d2");
    for (TestProcess p : followers) {
      Lines.awaitSeen(p, "a push with after", l -> l.startsWith("PUSH d2 ") && l.contains("\"after\""));
    }
  }
}
