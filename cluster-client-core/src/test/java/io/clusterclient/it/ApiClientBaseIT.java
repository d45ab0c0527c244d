package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class ApiClientBaseIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  private static String command(TestProcess p, String command) {
    p.send(command);
    return p.awaitLine("OK ", WAIT);
  }

  @Test
  void aCachingApiClientWorksOnTheLeaderAndOnFollowersAlike() {
    int port = Ports.free();
    TestProcess first = processes.add(ChildJvm.builder(ApiChild.class).name("api1").args("" + port).start());
    TestProcess second = processes.add(ChildJvm.builder(ApiChild.class).name("api2").args("" + port).start());
    String r1 = first.awaitLine("READY ", WAIT);
    String r2 = second.awaitLine("READY ", WAIT);
    assertThat(List.of(r1, r2)).containsExactlyInAnyOrder("READY leader=true", "READY leader=false");

    for (TestProcess p : List.of(first, second)) {
      for (int i = 0; i < 3; i++) {
        assertThat(command(p, "lookup alpha")).isEqualTo("OK alpha");
      }
    }
    // One upstream lookup per process: each process's cache served the other calls.
    Deadline.await("both processes' lookups upstream", WAIT,
        () -> command(first, "count alpha").equals("OK 2"));
    assertThat(command(second, "count alpha")).isEqualTo("OK 2");
  }
}
