package io.clusterclient.it;

import static io.clusterclient.it.SharedSubscriptionIT.command;
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

/** A bus subscriber resumes from an id across a SIGKILL of the leader: nothing lost, nothing twice. */
@Timeout(120)
class BusResumeIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  static TestProcess busProcess(TestProcesses processes, String name, int port, Path dir) {
    return processes.add(ChildJvm.builder(BusChild.class).name(name).args("" + port, name, dir.toString()).start());
  }

  @Test
  void aSubscriberResumesFromItsLastIdAfterTheLeaderIsKilled(@TempDir Path dir) {
    int port = Ports.free();
    TestProcess leader = busProcess(processes, "r1", port, dir);
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess subscriber = busProcess(processes, "r2", port, dir);
    TestProcess publisher = busProcess(processes, "r3", port, dir);
    subscriber.awaitLine("READY ", WAIT);
    publisher.awaitLine("READY ", WAIT);
    Path received = dir.resolve("r2-orders.recv");
    Path acked = dir.resolve("r3-orders.ack");

    assertThat(command(subscriber, "sub orders beginning")).isEqualTo("OK sub");
    assertThat(command(publisher, "pub orders 100")).isEqualTo("OK pub 100");
    Deadline.await("100 messages at the subscriber", WAIT, () -> BusFiles.ids(received).size() == 100);
    String unsub = command(subscriber, "unsub orders");
    long last = Long.parseLong(unsub.substring("OK unsub ".length()));
    assertThat(command(publisher, "pub orders 50")).isEqualTo("OK pub 50"); // while it is away

    leader.kill();
    assertThat(command(publisher, "pub orders 50")).isEqualTo("OK pub 50"); // to the next leader
    assertThat(command(subscriber, "sub orders " + last)).isEqualTo("OK sub");
    assertThat(command(publisher, "pub orders 50")).isEqualTo("OK pub 50"); // live again

    List<Long> ackedIds = new ArrayList<>(BusFiles.messages(acked).keySet());
    assertThat(ackedIds).hasSize(250).isSorted().doesNotHaveDuplicates();
    Deadline.await("all 250 messages at the subscriber", WAIT,
        () -> BusFiles.ids(received).containsAll(ackedIds));
    List<Long> got = BusFiles.ids(received);
    assertThat(got).as("nothing lost, nothing twice, in id order").isEqualTo(ackedIds);
    assertThat(BusFiles.lines(received)).noneMatch(l -> l.startsWith("GAP") || l.startsWith("DROPPED"));
    assertThat(BusFiles.messages(received)).isEqualTo(BusFiles.messages(acked));
  }
}
