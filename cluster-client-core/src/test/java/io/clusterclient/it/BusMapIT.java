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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A DistributedMap written by 4 processes at once converges everywhere, across a leader SIGKILL. */
@Timeout(120)
class BusMapIT {
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  @Test
  void fourConcurrentWritersConvergeAcrossALeaderKill(@TempDir Path dir) {
    int port = Ports.free();
    List<TestProcess> all = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      TestProcess p = busProcess(processes, "m" + i, port, dir);
      p.awaitLine("READY ", WAIT);
      all.add(p);
    }
    TestProcess leader = SharedSubscriptionIT.theLeader(all, "start");
    for (TestProcess p : all) {
      assertThat(command(p, "mapload config 300")).isEqualTo("OK mapload");
    }
    List<TestProcess> survivors = new ArrayList<>(all);
    survivors.remove(leader);
    Deadline.await("writes under way", WAIT, () -> command(survivors.get(0), "mapdump config").length() > 40);
    leader.kill();
    for (TestProcess p : survivors) {
      assertThat(command(p, "mapwait")).as(p.name()).isEqualTo("OK mapwait ok=300 failed=0");
    }
    TestProcess late = busProcess(processes, "m5", port, dir);
    late.awaitLine("READY ", WAIT);
    survivors.add(late);
    Deadline.await("the same content in every process", WAIT,
        () -> survivors.stream().map(p -> command(p, "mapdump config")).distinct().count() == 1);
    String content = command(late, "mapdump config");
    assertThat(content).startsWith("OK {\"k");
    // every key written by a survivor's last write holds some writer's value
    assertThat(content.split("\"k").length - 1).isBetween(15, 20);
  }
}
