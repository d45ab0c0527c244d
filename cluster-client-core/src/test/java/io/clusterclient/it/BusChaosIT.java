package io.clusterclient.it;

import static io.clusterclient.it.BusResumeIT.WAIT;
import static io.clusterclient.it.BusResumeIT.busProcess;
import static io.clusterclient.it.SharedSubscriptionIT.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 5 bus processes publish (100 messages/s each) and subscribe from the beginning while the leader is
 * killed with SIGKILL again and again (default 3 rounds; {@code -Dbus.chaos.rounds=50} for the full
 * run); a killed process is replaced by a new one, which subscribes from the beginning too. At the
 * end every live subscriber must hold every message a live publisher saw acknowledged, each once, in
 * id order, and no id may name two values; the stream of every killed process, up to its death, must
 * have no hole, no repeat and no step back either.
 */
@Timeout(900)
class BusChaosIT {
  private final TestProcesses processes = new TestProcesses();
  private int started;

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess join(int port, Path dir) {
    TestProcess p = busProcess(processes, "c" + (++started), port, dir);
    p.awaitLine("READY ", WAIT);
    assertThat(command(p, "sub chaos beginning")).isEqualTo("OK sub");
    assertThat(command(p, "load chaos 10")).isEqualTo("OK load");
    return p;
  }

  @Test
  void noAcknowledgedMessageIsLostDuplicatedOrReorderedAcrossLeaderKills(@TempDir Path dir) {
    int n = 5;
    int rounds = Integer.getInteger("bus.chaos.rounds", 3);
    int port = Ports.free();
    List<TestProcess> alive = new ArrayList<>();
    List<TestProcess> killed = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      alive.add(join(port, dir));
    }
    for (int round = 1; round <= rounds; round++) {
      TestProcess leader = SharedSubscriptionIT.theLeader(alive, "round " + round);
      alive.remove(leader);
      TestProcess watcher = alive.get(0);
      int before = BusFiles.ids(recv(dir, watcher)).size();
      leader.kill();
      killed.add(leader);
      String when = "round " + round;
      Deadline.await(when + ": one leader among the survivors", WAIT,
          () -> alive.stream().filter(p -> command(p, "role").equals("OK LEADER")).count() == 1);
      alive.add(join(port, dir));
      Deadline.await(when + ": messages flow again", WAIT,
          () -> BusFiles.ids(recv(dir, watcher)).size() > before + 100);
    }
    long attempts = 0;
    long failed = 0;
    for (TestProcess p : alive) {
      String s = command(p, "stop");
      assertThat(s).startsWith("OK stop");
      attempts += field(s, "attempts");
      failed += field(s, "failed");
    }
    Set<Long> ackedByLive = new HashSet<>();
    for (TestProcess p : alive) {
      ackedByLive.addAll(BusFiles.messages(dir.resolve(p.name() + "-chaos.ack")).keySet());
    }
    Set<Long> ackedByKilled = new HashSet<>();
    for (TestProcess p : killed) {
      ackedByKilled.addAll(BusFiles.messages(dir.resolve(p.name() + "-chaos.ack")).keySet());
    }
    for (TestProcess p : alive) {
      Deadline.await(p.name() + " to hold every message acknowledged to a live publisher", WAIT,
          () -> new HashSet<>(BusFiles.ids(recv(dir, p))).containsAll(ackedByLive));
    }
    long received = 0;
    long duplicates = 0;
    long outOfOrder = 0;
    long lost = 0;
    long lostOfKilled = 0;
    long gaps = 0;
    Map<Long, String> valueOf = new HashMap<>();
    long conflicts = 0;
    for (TestProcess p : alive) {
      List<Long> ids = BusFiles.ids(recv(dir, p));
      received += ids.size();
      long[] d = BusFiles.disorder(ids);
      duplicates += d[0];
      outOfOrder += d[1];
      Set<Long> got = new HashSet<>(ids);
      lost += ackedByLive.stream().filter(id -> !got.contains(id)).count();
      lostOfKilled += ackedByKilled.stream().filter(id -> !got.contains(id)).count();
      gaps += BusFiles.lines(recv(dir, p)).stream().filter(l -> l.startsWith("GAP") || l.startsWith("DROPPED")).count();
      for (Map.Entry<Long, String> e : BusFiles.messages(recv(dir, p)).entrySet()) {
        String other = valueOf.putIfAbsent(e.getKey(), e.getValue());
        if (other != null && !other.equals(e.getValue())) {
          conflicts++;
        }
      }
    }
    // A killed process's stream must have no hole either, up to its death: every message the
    // survivors hold with an id between its first and its last is in it.
    java.util.TreeSet<Long> global = new java.util.TreeSet<>(valueOf.keySet());
    long holesInKilled = 0;
    for (TestProcess p : killed) {
      List<Long> ids = BusFiles.ids(recv(dir, p));
      if (ids.isEmpty()) {
        continue;
      }
      Set<Long> got = new HashSet<>(ids);
      for (long id : global.subSet(ids.get(0), true, ids.get(ids.size() - 1), true)) {
        if (!got.contains(id)) {
          holesInKilled++;
        }
      }
      long[] d = BusFiles.disorder(ids);
      duplicates += d[0];
      outOfOrder += d[1];
    }
    System.out.printf("bus chaos: %d processes, %d leader kills; published by the %d final processes=%d "
            + "(acknowledged %d, failed %d); acknowledged in all=%d (%d of them to processes killed later); "
            + "received by %d live subscribers=%d, duplicates=%d, out-of-order=%d, lost=%d; acknowledged "
            + "by a killed leader to itself and missing=%d (per subscriber, summed); gap/drop signals=%d, "
            + "ids naming two values=%d; holes in the streams of the %d killed processes up to their death=%d "
            + "(duplicates and out-of-order above count their streams too)%n",
        n, rounds, alive.size(), attempts, ackedByLive.size(), failed,
        ackedByLive.size() + ackedByKilled.size(), ackedByKilled.size(), alive.size(), received,
        duplicates, outOfOrder, lost, lostOfKilled, gaps, conflicts, killed.size(), holesInKilled);
    assertThat(lost).as("lost").isZero();
    assertThat(duplicates).as("duplicates").isZero();
    assertThat(outOfOrder).as("out of order").isZero();
    assertThat(conflicts).as("ids naming two values").isZero();
    assertThat(gaps).as("gap or drop signals").isZero();
    assertThat(holesInKilled).as("holes in the streams of killed processes").isZero();
    assertThat(failed).as("failed publishes").isZero();
  }

  private static Path recv(Path dir, TestProcess p) {
    return dir.resolve(p.name() + "-chaos.recv");
  }

  private static long field(String line, String name) {
    for (String w : line.split(" ")) {
      if (w.startsWith(name + "=")) {
        return Long.parseLong(w.substring(name.length() + 1));
      }
    }
    throw new AssertionError("no " + name + " in " + line);
  }
}
