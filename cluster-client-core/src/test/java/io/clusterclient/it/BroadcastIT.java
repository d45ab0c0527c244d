package io.clusterclient.it;

import static io.clusterclient.it.SharedSubscriptionIT.command;
import static io.clusterclient.it.SharedSubscriptionIT.upstreamLog;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class BroadcastIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  private static long pushes(TestProcess p) {
    return p.lines().stream().filter(l -> l.startsWith("PUSH b1 ")).count();
  }

  @Test
  void withoutBroadcastEachValueGoesToOneProcessInTurn() {
    int port = Ports.free();
    List<TestProcess> all = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      all.add(
          processes.add(
              ChildJvm.builder(RegistryChild.class)
                  .name("rr" + i)
                  .args("" + port)
                  .systemProperty("cc.broadcast", "false")
                  .start()));
    }
    for (TestProcess p : all) {
      p.awaitLine("READY ", WAIT);
      assertThat(command(p, "sub b1")).isEqualTo("OK sub b1");
      upstreamLog(p); // the leader has read the subscription
    }
    TestProcess publisher = all.get(0);
    for (int v = 1; v <= 6; v++) {
      assertThat(command(publisher, "pub b1 v" + v)).isEqualTo("OK pub b1");
    }
    Deadline.await("six values delivered", WAIT,
        () -> all.stream().mapToLong(BroadcastIT::pushes).sum() == 6);
    for (TestProcess p : all) {
      assertThat(pushes(p)).as("values delivered to %s", p.name()).isEqualTo(2);
    }
  }

  @Test
  void aClosedFollowerNoLongerHoldsTheUpstreamSubscription() {
    int port = Ports.free();
    TestProcess leader = processes.add(ChildJvm.builder(RegistryChild.class).name("keep").args("" + port).start());
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess follower = processes.add(ChildJvm.builder(RegistryChild.class).name("leave").args("" + port).start());
    assertThat(follower.awaitLine("READY ", WAIT)).isEqualTo("READY FOLLOWER");
    assertThat(command(follower, "sub gone")).isEqualTo("OK sub gone");
    upstreamLog(follower);
    follower.close();
    // The follower was the only subscriber: its leaving ends the upstream subscription.
    Deadline.await("the real client's unSubscribe", WAIT,
        () -> upstreamLog(leader).contains("unsubscribe:gone"));
  }
}
