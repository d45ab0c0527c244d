package io.clusterclient.it;

import static io.clusterclient.it.SharedSubscriptionIT.command;
import static io.clusterclient.it.SharedSubscriptionIT.upstreamLog;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling restart: every process of the cluster leaves in turn while it leads, half of them by
 * {@code close()} and half by a real SIGTERM through the {@code closeOnShutdown} hook, and is
 * replaced. Throughout, every process keeps slow calls that are not idempotent in flight on the
 * leader, and quick ones besides. Bar: not one call fails anywhere, one leader after each round,
 * and subscriptions and publishes move to each new real client.
 */
@Timeout(600)
class HandoverIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final TestProcesses processes = new TestProcesses();
  private int started;

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess join(int port, Path constructions) {
    String name = "roll-" + (++started);
    TestProcess p =
        processes.add(
            ChildJvm.builder(RegistryChild.class)
                .name(name)
                .args("" + port)
                .systemProperty("cc.closeOnShutdown", "true")
                .systemProperty("cc.constructions", constructions.toString())
                .start());
    p.awaitLine("READY ", WAIT);
    assertThat(command(p, "sub roll")).isEqualTo("OK sub roll");
    assertThat(command(p, "pub w-" + name + " " + name)).isEqualTo("OK pub w-" + name);
    assertThat(command(p, "load")).isEqualTo("OK load");
    assertThat(command(p, "slowload 2")).isEqualTo("OK slowload");
    return p;
  }

  private static String role(TestProcess p) {
    return command(p, "role").substring(3);
  }

  @Test
  void aPlainSigtermClosesTheLeadersRealClientAndHandsOver(@TempDir Path dir) throws Exception {
    int port = Ports.free();
    Path constructions = dir.resolve("constructions.txt");
    TestProcess first = join(port, constructions);
    TestProcess second = join(port, constructions);
    TestProcess leader = role(first).equals("LEADER") ? first : second;
    TestProcess follower = leader == first ? second : first;

    // Only the signal: nothing asks the process to leave, the closeOnShutdown hook alone acts.
    leader.terminate();
    assertThat(leader.awaitExit(WAIT)).as("exit code after SIGTERM").isEqualTo(143);
    String log = Files.readString(leader.logFile());
    assertThat(log).contains("handing over: port free").contains("REAL_CLIENT_CLOSED");
    Deadline.await("the follower leads", WAIT, () -> role(follower).equals("LEADER"));
    assertThat(command(follower, "pub after x")).isEqualTo("OK pub after");
  }

  @Test
  void everyProcessLeavesInTurnWhileLeadingAndNoCallFails(@TempDir Path dir) throws Exception {
    int n = Integer.getInteger("handover.processes", 4);
    int rounds = Integer.getInteger("handover.rounds", n);
    int port = Ports.free();
    Path constructions = dir.resolve("constructions.txt");
    List<TestProcess> alive = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      alive.add(join(port, constructions));
    }
    long ok = 0;
    long failed = 0;
    StringBuilder errors = new StringBuilder();

    for (int round = 1; round <= rounds; round++) {
      TestProcess leader = SharedSubscriptionIT.theLeader(alive, "round " + round);
      // Its numbers leave with it: take them first. Its own calls after its close are not counted.
      long[] s = LoadStats.of(leader);
      ok += s[LoadStats.OK];
      failed += s[LoadStats.IDEMPOTENT_FAILED] + s[LoadStats.OTHER_FAILED];
      errors.append(leader.name()).append(':').append(LoadStats.errorsOf(leader)).append(' ');
      alive.remove(leader);
      Map<TestProcess, long[]> before = new HashMap<>();
      for (TestProcess p : alive) {
        before.put(p, LoadStats.of(p));
      }

      boolean bySignal = round % 2 == 0;
      if (bySignal) {
        // The main thread starts closing too, just before the hook does: the hook must wait for
        // that close, or the JVM halts in the middle of the handover.
        leader.send("exit");
        leader.terminate();
        assertThat(leader.awaitExit(WAIT)).as("exit code after SIGTERM").isEqualTo(143);
      } else {
        leader.send("exit");
        leader.awaitLine("BYE", WAIT);
        assertThat(leader.awaitExit(WAIT)).isZero();
      }
      String log = Files.readString(leader.logFile());
      assertThat(log).as("round %d: the leader handed over", round).contains("handing over: port free");

      for (TestProcess p : alive) {
        Deadline.await(
            p.name() + " ready again",
            WAIT,
            () -> LoadStats.of(p)[LoadStats.ELECTIONS] > before.get(p)[LoadStats.ELECTIONS] && !role(p).equals("ELECTING"));
      }
      assertThat(alive.stream().filter(p -> role(p).equals("LEADER")).count())
          .as("round %d: exactly one new leader", round)
          .isEqualTo(1);
      // The load went on through the handover, and went on succeeding.
      for (TestProcess p : alive) {
        Deadline.await(p.name() + " calls after the handover", WAIT, () -> LoadStats.of(p)[LoadStats.OK] > before.get(p)[LoadStats.OK] + 4);
      }

      alive.add(join(port, constructions));
      String value = "r" + round;
      TestProcess publisher = alive.get(round % alive.size());
      assertThat(command(publisher, "pub roll " + value)).isEqualTo("OK pub roll");
      for (TestProcess p : alive) {
        Lines.awaitSeen(p, "a push with " + value, l -> l.startsWith("PUSH roll ") && l.contains("\"" + value + "\""));
      }
      int r = round;
      Deadline.await(
          "round " + r + ": every live process's publish in the new real client",
          WAIT,
          () -> {
            List<String> upstream = upstreamLog(publisher);
            return alive.stream().allMatch(p -> upstream.contains("publish:w-" + p.name() + "=" + p.name()));
          });
    }

    for (TestProcess p : alive) {
      long[] s = LoadStats.of(p);
      ok += s[LoadStats.OK];
      failed += s[LoadStats.IDEMPOTENT_FAILED] + s[LoadStats.OTHER_FAILED];
      errors.append(p.name()).append(':').append(LoadStats.errorsOf(p)).append(' ');
    }
    System.out.printf(
        "handover: %d processes, %d rolling restarts (close and SIGTERM); calls ok=%d, failed=%d; errors %s%n",
        n, rounds, ok, failed, errors);
    assertThat(failed).as("failed calls, idempotent or not; errors: %s", errors).isZero();
    assertThat(ok).isPositive();
  }
}
