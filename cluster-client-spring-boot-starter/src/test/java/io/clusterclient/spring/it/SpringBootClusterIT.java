package io.clusterclient.spring.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.spring.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two Spring Boot applications in two JVMs share one client through the starter: the first leads,
 * the second follows and is served by the leader's real client, and when the leader's context
 * closes (by {@code close()} or by SIGTERM through Spring's shutdown hook) the follower takes over.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SpringBootClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Path LOGS = Path.of("target", "spring-it-logs");

  private final List<ChildJvm> children = new ArrayList<>();

  @AfterEach
  void stopEveryChild() {
    AssertionError failure = null;
    for (ChildJvm child : children) {
      try {
        child.close();
      } catch (AssertionError e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  void aFollowerAppIsServedByTheLeaderAppsRealClientAndClosingTheLeadersContextHandsOver() {
    int port = Ports.freePort();
    ChildJvm leader = start("leader", port);
    leader.awaitLine("ROLE LEADER", WAIT);
    ChildJvm follower = startFollower(port);

    int mark = follower.lineCount();
    follower.send("call");
    assertThat(follower.awaitLine("SERVED_BY ", mark, WAIT))
        .as("the follower's call is answered by the leader's real client")
        .isEqualTo("SERVED_BY " + leader.pid());
    assertThat(leader.pid()).isNotEqualTo(follower.pid());
    follower.send("health");
    assertThat(follower.awaitLine("HEALTH ", mark, WAIT)).isEqualTo("HEALTH UP FOLLOWER");
    leader.send("health");
    assertThat(leader.awaitLine("HEALTH ", WAIT)).isEqualTo("HEALTH UP LEADER");

    leader.send("close");
    leader.awaitLine("REAL_CLIENT_CLOSED", WAIT);
    leader.awaitLine("CONTEXT_CLOSED", WAIT);
    assertServedByItself(follower);
  }

  @Test
  void sigtermClosesTheLeadersContextThroughSpringsShutdownHookAndHandsOver() {
    int port = Ports.freePort();
    ChildJvm leader = start("leader", port);
    leader.awaitLine("ROLE LEADER", WAIT);
    ChildJvm follower = startFollower(port);
    int mark = follower.lineCount();
    follower.send("call");
    assertThat(follower.awaitLine("SERVED_BY ", mark, WAIT)).isEqualTo("SERVED_BY " + leader.pid());

    leader.terminate();
    leader.awaitLine("REAL_CLIENT_CLOSED", WAIT);
    assertThat(leader.awaitExit(WAIT)).as("exit code after SIGTERM").isEqualTo(143);
    assertServedByItself(follower);
  }

  private ChildJvm startFollower(int port) {
    ChildJvm follower = start("follower", port);
    follower.awaitLine("ROLE FOLLOWER", WAIT);
    follower.awaitLine("READY", WAIT);
    return follower;
  }

  /** The follower has taken over: it leads, and its own real client answers. */
  private static void assertServedByItself(ChildJvm follower) {
    follower.awaitLine("ROLE LEADER", WAIT);
    int mark = follower.lineCount();
    follower.send("call");
    assertThat(follower.awaitLine("SERVED_BY ", mark, WAIT)).isEqualTo("SERVED_BY " + follower.pid());
  }

  private ChildJvm start(String name, int port) {
    ChildJvm child =
        ChildJvm.start(
            name,
            LOGS,
            ChildApplication.class,
            List.of(
                "--cluster-client.port=" + port,
                "--spring.main.banner-mode=off",
                "--logging.level.io.clusterclient=INFO"));
    children.add(child);
    return child;
  }
}
