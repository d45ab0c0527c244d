package io.clusterclient.it;

import static io.clusterclient.it.SharedSubscriptionIT.command;
import static io.clusterclient.it.SharedSubscriptionIT.upstreamLog;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * N processes (default 5) call, subscribe and publish without pause while the leader is killed with
 * SIGKILL again and again (default 10 rounds; {@code -Dchaos.rounds=500} for a soak run). A killed
 * process is replaced, so N stays constant. After every round: exactly one leader, every survivor
 * ready, the next published value reaches every subscriber, every live process's publish is in the
 * new real client. At the end: no idempotent call failed, and no call waited past its bound.
 */
@Timeout(900)
class ChaosIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long RESPONSE_TIMEOUT_MS = 2000;
  /** Waiting for a leader, the call, and its one retry: each bounded by the response timeout. */
  private static final long CALL_BOUND_MS = 4 * RESPONSE_TIMEOUT_MS + 2000;

  private final TestProcesses processes = new TestProcesses();
  private int started;

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess join(int port, Path constructions) {
    String name = "chaos-" + (++started);
    TestProcess p =
        processes.add(
            ChildJvm.builder(RegistryChild.class)
                .name(name)
                .args("" + port)
                .systemProperty("cc.responseTimeout", "" + RESPONSE_TIMEOUT_MS)
                .systemProperty("cc.constructions", constructions.toString())
                .start());
    p.awaitLine("READY ", WAIT);
    assertThat(command(p, "sub chaos")).isEqualTo("OK sub chaos");
    assertThat(command(p, "pub w-" + name + " " + name)).isEqualTo("OK pub w-" + name);
    assertThat(command(p, "load")).isEqualTo("OK load");
    return p;
  }

  private static String role(TestProcess p) {
    return command(p, "role").substring(3);
  }

  @Test
  void theClusterSurvivesRepeatedLeaderKillsUnderLoad(@TempDir Path dir) {
    int n = Integer.getInteger("chaos.processes", 5);
    int rounds = Integer.getInteger("chaos.rounds", 10);
    int port = Ports.free();
    Path constructions = dir.resolve("constructions.txt");
    List<TestProcess> alive = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      alive.add(join(port, constructions));
    }
    long okBeforeKills = 0;
    long idempotentFailed = 0;
    long otherFailed = 0;
    long retried = 0;
    long worstWait = 0;
    StringBuilder errors = new StringBuilder();

    for (int round = 1; round <= rounds; round++) {
      TestProcess leader = SharedSubscriptionIT.theLeader(alive, "round " + round);
      // The leader's own numbers die with it; take them first.
      long[] s = LoadStats.of(leader);
      okBeforeKills += s[LoadStats.OK];
      idempotentFailed += s[LoadStats.IDEMPOTENT_FAILED];
      otherFailed += s[LoadStats.OTHER_FAILED];
      retried += s[LoadStats.RETRIED];
      worstWait = Math.max(worstWait, s[LoadStats.MAX_WAIT_MS]);
      alive.remove(leader);
      java.util.Map<TestProcess, Long> electionsBefore = new java.util.HashMap<>();
      for (TestProcess p : alive) {
        electionsBefore.put(p, LoadStats.of(p)[LoadStats.ELECTIONS]);
      }
      leader.kill();

      // Not ELECTING is not enough: a survivor that has not yet read the closed connection still
      // says FOLLOWER of the dead leader. Ready again means: it ran an election since, and it ended.
      for (TestProcess p : alive) {
        Deadline.await(
            p.name() + " ready again",
            WAIT,
            () -> LoadStats.of(p)[LoadStats.ELECTIONS] > electionsBefore.get(p) && !role(p).equals("ELECTING"));
      }
      long leaders = alive.stream().filter(p -> role(p).equals("LEADER")).count();
      assertThat(leaders).as("round %d: exactly one new leader", round).isEqualTo(1);

      alive.add(join(port, constructions));
      String value = "r" + round;
      TestProcess publisher = alive.get(round % alive.size());
      assertThat(command(publisher, "pub chaos " + value)).isEqualTo("OK pub chaos");
      for (TestProcess p : alive) {
        Lines.awaitSeen(p, "a push with " + value, l -> l.startsWith("PUSH chaos ") && l.contains("\"" + value + "\""));
      }
      // Oneway publishes run in order per process, but not in step with other calls: wait for them.
      int r = round;
      Deadline.await(
          "round " + r + ": every live process's publish in the new real client",
          WAIT,
          () -> {
            List<String> log = upstreamLog(publisher);
            return alive.stream().allMatch(p -> log.contains("publish:w-" + p.name() + "=" + p.name()));
          });
    }

    long ok = okBeforeKills;
    for (TestProcess p : alive) {
      long[] s = LoadStats.of(p);
      ok += s[LoadStats.OK];
      idempotentFailed += s[LoadStats.IDEMPOTENT_FAILED];
      otherFailed += s[LoadStats.OTHER_FAILED];
      retried += s[LoadStats.RETRIED];
      worstWait = Math.max(worstWait, s[LoadStats.MAX_WAIT_MS]);
      errors.append(p.name()).append(':').append(LoadStats.errorsOf(p)).append(' ');
    }
    System.out.printf(
        "chaos: %d processes, %d rounds, %d leader changes; calls ok=%d, idempotent failed=%d, "
            + "other failed=%d, retried=%d; worst wait %d ms (bound %d ms); errors %s%n",
        n, rounds, rounds, ok, idempotentFailed, otherFailed, retried, worstWait, CALL_BOUND_MS, errors);
    assertThat(idempotentFailed).as("idempotent calls failed").isZero();
    assertThat(worstWait).as("worst wait of a call, ms").isLessThanOrEqualTo(CALL_BOUND_MS);
    assertThat(ok).isPositive();
  }
}
