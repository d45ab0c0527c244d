package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Processes that send garbage, an enormous declared length, the wrong protocol version, or never
 * read: the leader drops each with a reason in its log, and a well-behaved follower sees nothing.
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostilePeerIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final TestProcesses processes = new TestProcesses();
  private int port;
  private TestProcess leader;
  private TestProcess follower;

  /**
   * A cluster that lets unauthenticated peers in, as one with Node.js peers must: the worst case,
   * where a hostile peer gets past registration ({@code AuthenticationIT} shows that by default it
   * does not).
   */
  @BeforeAll
  void startACluster() {
    port = Ports.free();
    leader =
        processes.add(
            ChildJvm.builder(ClusterChild.class)
                .name("target-leader")
                .args("" + port, "EchoService", "leader=true", "maxFrameLength=1048576", "allowUnauthenticated=true")
                .start());
    assertThat(leader.awaitLine("READY ", WAIT)).endsWith("LEADER");
    follower =
        processes.add(
            ChildJvm.builder(ClusterChild.class)
                .name("bystander")
                .args("" + port, "EchoService", "leader=false", "allowUnauthenticated=true")
                .start());
    assertThat(follower.awaitLine("READY ", WAIT)).endsWith("FOLLOWER");
  }

  @AfterAll
  void stop() {
    processes.close();
  }

  @Order(1)
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "garbage, unsupported protocol version",
    "huge, exceeds maxFrameLength",
    "version, unsupported protocol version 9",
    "slow, slow consumer"
  })
  void anOffenderIsDroppedWithAReasonAndTheOthersSeeNothing(String mode, String reason)
      throws Exception {
    TestProcess peer =
        processes.add(ChildJvm.builder(HostilePeer.class).name("hostile-" + mode).args("" + port, mode).start());
    peer.awaitLine("CLOSED", WAIT);
    assertThat(peer.awaitExit(WAIT)).isZero();
    String log = Files.readString(leader.logFile());
    assertThat(log).contains("closing connection from").contains(reason);

    follower.send("call EchoService echo [\"still here after " + mode + "\"]");
    assertThat(follower.awaitLine(l -> l.startsWith("OK ") || l.startsWith("ERR "), WAIT))
        .isEqualTo("OK \"still here after " + mode + "\"");
    leader.send("role EchoService");
    assertThat(leader.awaitLine("OK ", WAIT)).isEqualTo("OK LEADER");
  }

  @Test
  @Order(2)
  void noWellBehavedProcessSawAnError() {
    assertThat(follower.lines()).noneMatch(l -> l.startsWith("ERR ") || l.contains("ELECTING"));
  }
}
