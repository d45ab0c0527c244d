package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Four workers serve a task queue and two submitters keep tasks in flight, while the leader (always
 * a worker: the submitters never lead) and random workers are killed with SIGKILL, each replaced by
 * a new JVM ({@code -Dtasks.chaos.rounds}, 6 by default, 30 for the figures in README; half leader
 * kills, half worker kills). At
 * the end every submitted task has its result: none lost, none failed. Prints submitted, completed,
 * redelivered and the tasks started more than once.
 */
@Timeout(600)
class TaskChaosIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestProcesses processes = new TestProcesses();
  private final int port = Ports.free();
  private int started;

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess start(String role, String... props) {
    String name = role + (++started);
    return processes.add(ChildJvm.builder(TaskChild.class).name(name).args("" + port, name)
        .systemProperty("tasks.maxDeliveries", "20").systemProperties(props).start());
  }

  private static String command(TestProcess p, String command) {
    return SharedSubscriptionIT.command(p, command);
  }

  private static void serve(TestProcess worker) {
    worker.awaitLine("READY ", WAIT);
    assertThat(command(worker, "serve 2")).isEqualTo("OK serving");
  }

  private static JsonNode tally(TestProcess submitter) {
    String line = command(submitter, "tally");
    assertThat(line).startsWith("OK {");
    try {
      return JSON.readTree(line.substring(3));
    } catch (java.io.IOException e) {
      throw new AssertionError(line, e);
    }
  }

  private static long completed(List<TestProcess> submitters) {
    return submitters.stream().mapToLong(s -> tally(s).get("completed").asLong()).sum();
  }

  @Test
  void noTaskIsLostWhileLeadersAndWorkersAreKilled() {
    int rounds = Integer.getInteger("tasks.chaos.rounds", 6);
    Random random = new Random(Long.getLong("tasks.chaos.seed", System.nanoTime()));
    List<TestProcess> workers = new ArrayList<>();
    List<TestProcess> all = new ArrayList<>();
    TestProcess first = start("w");
    serve(first);
    workers.add(first);
    for (int i = 0; i < 3; i++) {
      workers.add(start("w"));
    }
    workers.subList(1, 4).forEach(TaskChaosIT::serve);
    List<TestProcess> submitters = List.of(start("s", "tasks.leader", "false"), start("s", "tasks.leader", "false"));
    for (TestProcess s : submitters) {
      s.awaitLine("READY ", WAIT);
      assertThat(command(s, "flow 8 30")).isEqualTo("OK flowing");
    }
    all.addAll(workers);

    TestProcess fresh = null;
    int leaderKills = 0;
    for (int round = 1; round <= rounds; round++) {
      if (fresh != null) {
        serve(fresh); // the last round's replacement, started meanwhile
        workers.add(fresh);
      }
      long before = completed(submitters);
      Deadline.await("round " + round + ": tasks complete", WAIT, () -> completed(submitters) >= before + 20);
      TestProcess victim;
      if (round % 2 == 1) {
        victim = workers.stream().filter(w -> command(w, "role").equals("OK LEADER")).findFirst()
            .orElseThrow(() -> new AssertionError("no worker leads"));
        leaderKills++;
      } else {
        victim = workers.get(random.nextInt(workers.size()));
      }
      workers.remove(victim);
      victim.kill();
      fresh = start("w");
      all.add(fresh);
    }
    for (TestProcess s : submitters) {
      assertThat(command(s, "halt")).isEqualTo("OK halted");
    }
    Deadline.await("every submitted task has its outcome", WAIT,
        () -> submitters.stream().allMatch(s -> tally(s).get("pending").asLong() == 0));

    long submitted = 0;
    long completed = 0;
    long failed = 0;
    long redelivered = 0;
    StringBuilder failures = new StringBuilder();
    for (TestProcess s : submitters) {
      JsonNode t = tally(s);
      submitted += t.get("submitted").asLong();
      completed += t.get("completed").asLong();
      failed += t.get("failed").asLong();
      redelivered += t.get("redelivered").asLong();
      failures.append(t.get("failures"));
    }
    // Tasks started more than once, and of those the ones a killed process had started: it died
    // before the leader had their outcome.
    Map<String, Integer> starts = new HashMap<>();
    Set<String> onKilled = new HashSet<>();
    for (TestProcess w : all) {
      for (String l : w.lines()) {
        if (l.startsWith("RUN ")) {
          String id = l.split(" ")[1];
          starts.merge(id, 1, Integer::sum);
          if (!w.isAlive()) {
            onKilled.add(id);
          }
        }
      }
    }
    long twice = starts.values().stream().filter(n -> n > 1).count();
    long twiceUnexplained = starts.entrySet().stream()
        .filter(e -> e.getValue() > 1 && !onKilled.contains(e.getKey())).count();
    System.out.printf(
        "task chaos: %d rounds (%d leader kills, %d worker kills); submitted=%d completed=%d failed=%d "
            + "lost=%d redelivered=%d started-twice=%d (started by a killed process: %d, other: %d)%n",
        rounds, leaderKills, rounds - leaderKills, submitted, completed, failed, submitted - completed,
        redelivered, twice, twice - twiceUnexplained, twiceUnexplained);
    assertThat(failed).as("failed tasks: %s", failures).isZero();
    assertThat(completed).as("completed of submitted").isEqualTo(submitted);
    assertThat(submitted).isPositive();
  }
}
