package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One publisher and four subscriber processes share one upstream subscription. The tests run in
 * order on one cluster: each builds on the state the previous one left.
 */
@Timeout(240)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedSubscriptionIT {
  static final Duration WAIT = Duration.ofSeconds(60);

  private final TestProcesses processes = new TestProcesses();
  private final List<TestProcess> all = new ArrayList<>();
  private TestProcess publisher;
  private final List<TestProcess> subscribers = new ArrayList<>();
  private Path constructions;

  @BeforeAll
  void startFiveProcesses(@TempDir Path dir) {
    constructions = dir.resolve("constructions.txt");
    int port = Ports.free();
    for (int i = 1; i <= 5; i++) {
      all.add(processes.add(registryProcess("r" + i, port, constructions)));
    }
    for (TestProcess p : all) {
      p.awaitLine("READY ", WAIT);
    }
    // The publisher is a follower, so that its publishes travel the wire.
    for (TestProcess p : all) {
      if (publisher == null && command(p, "role").equals("OK FOLLOWER")) {
        publisher = p;
      } else {
        subscribers.add(p);
      }
    }
  }

  static TestProcess registryProcess(String name, int port, Path constructions) {
    return registryProcess(name, port, constructions, null);
  }

  /**
   * A registry process on a transport: the library reads {@code clusterclient.transport} and
   * {@code clusterclient.runDir} like any option.
   *
   * @param runDir the run directory of Unix sockets; null for TCP
   */
  static TestProcess registryProcess(String name, int port, Path constructions, Path runDir) {
    ChildJvm.Builder b =
        ChildJvm.builder(RegistryChild.class)
            .name(name)
            .args(String.valueOf(port))
            .systemProperty("cc.constructions", constructions.toString());
    if (runDir != null) {
      b.systemProperty("clusterclient.transport", "unix").systemProperty("clusterclient.runDir", runDir.toString());
    }
    return b.start();
  }

  @AfterAll
  void stop() {
    processes.close();
  }

  static String command(TestProcess p, String command) {
    p.send(command);
    return p.awaitLine(l -> l.startsWith("OK") || l.startsWith("ERR "), WAIT);
  }

  /** The one process of {@code alive} that says it leads; fails when none or several do. */
  static TestProcess theLeader(List<TestProcess> alive, String when) {
    TestProcess leader = null;
    for (TestProcess p : alive) {
      if (command(p, "role").equals("OK LEADER")) {
        assertThat(leader).as("%s: one leader", when).isNull();
        leader = p;
      }
    }
    assertThat(leader).as("%s: a leader", when).isNotNull();
    return leader;
  }

  static List<String> upstreamLog(TestProcess p) {
    String line = command(p, "log");
    assertThat(line).startsWith("OK [");
    String body = line.substring(4, line.length() - 1);
    List<String> entries = new ArrayList<>();
    for (String e : body.split(",")) {
      if (!e.isEmpty()) {
        entries.add(e.replace("\"", ""));
      }
    }
    return entries;
  }

  @Test
  @Order(1)
  void everySubscriberReceivesEveryUpdateInOrder() {
    for (TestProcess s : subscribers) {
      assertThat(command(s, "sub d1")).isEqualTo("OK sub d1");
      // A call on the same connection returns only after the leader has read the subscribe.
      upstreamLog(s);
    }
    for (String v : List.of("v1", "v2", "v3")) {
      assertThat(command(publisher, "pub d1 " + v)).isEqualTo("OK pub d1");
    }
    for (TestProcess s : subscribers) {
      Lines.awaitSeenInOrder(
          s, "PUSH d1 [\"v1\"]", "PUSH d1 [\"v1\",\"v2\"]", "PUSH d1 [\"v1\",\"v2\",\"v3\"]");
    }
  }

  @Test
  @Order(2)
  void theRealClientSubscribedOnceForAllProcesses() {
    assertThat(Collections.frequency(upstreamLog(publisher), "subscribe:d1")).isEqualTo(1);
  }

  @Test
  @Order(3)
  void aLateSubscriberGetsTheLatestValueAtOnce() {
    assertThat(command(publisher, "sub d1")).isEqualTo("OK sub d1");
    Lines.awaitSeen(publisher, "PUSH d1 [\"v1\",\"v2\",\"v3\"]");
    assertThat(Collections.frequency(upstreamLog(publisher), "subscribe:d1")).isEqualTo(1);
  }

  @Test
  @Order(4)
  void unsubscribeStopsDeliveryAndTheLastOneReachesTheRealClient() {
    TestProcess leaving = subscribers.get(0);
    assertThat(command(leaving, "unsub d1")).isEqualTo("OK unsub d1");
    upstreamLog(leaving); // the leader has read the unsubscribe
    assertThat(command(publisher, "pub d1 v4")).isEqualTo("OK pub d1");
    for (TestProcess s : subscribers.subList(1, subscribers.size())) {
      Lines.awaitSeen(s, "PUSH d1 [\"v1\",\"v2\",\"v3\",\"v4\"]");
    }
    Lines.awaitSeen(publisher, "PUSH d1 [\"v1\",\"v2\",\"v3\",\"v4\"]");
    command(leaving, "role"); // one more round trip for anything still in flight
    assertThat(leaving.lines()).noneMatch(l -> l.contains("v4"));
    assertThat(upstreamLog(publisher)).doesNotContain("unsubscribe:d1");

    for (TestProcess s : subscribers.subList(1, subscribers.size())) {
      assertThat(command(s, "unsub d1")).isEqualTo("OK unsub d1");
    }
    assertThat(command(publisher, "unsub d1")).isEqualTo("OK unsub d1");
    Deadline.await(
        "the real client's unSubscribe after the last process left",
        WAIT,
        () -> upstreamLog(publisher).contains("unsubscribe:d1"));
    assertThat(Collections.frequency(upstreamLog(publisher), "unsubscribe:d1")).isEqualTo(1);
  }

  @Test
  @Order(5)
  void noProcessReportedAnErrorAndOnlyTheLeaderConstructedTheRealClient() throws Exception {
    assertThat(Files.readAllLines(constructions)).hasSize(1);
    // Regression: the leader's listener proxy once failed on void listener methods, which made
    // every publish that notified listeners fail on the leader.
    for (TestProcess p : all) {
      assertThat(p.lines()).as("lines of %s", p).noneMatch(l -> l.startsWith("ERROR_EVENT"));
    }
  }
}
