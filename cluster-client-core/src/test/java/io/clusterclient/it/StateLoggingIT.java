package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What an operator reads in the logs at INFO: each change of state once (elected, following whom,
 * handing over, lost, closing), and nothing per call. Three JVMs: the first leader hands over on
 * exit, the next one is killed with SIGKILL, the last one leads.
 */
@Timeout(180)
class StateLoggingIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess child(String name, int port, String... options) {
    String[] args = new String[options.length + 2];
    args[0] = String.valueOf(port);
    args[1] = "echo";
    System.arraycopy(options, 0, args, 2, options.length);
    return processes.add(ChildJvm.builder(ClusterChild.class).name(name).args(args).start());
  }

  /** The INFO and WARN lines of the library's state changes, without the logger's prefix. */
  private static List<String> logged(TestProcess p) {
    try {
      return Files.readAllLines(p.logFile()).stream()
          .filter(l -> l.contains(" INFO io.clusterclient") || l.contains(" WARN io.clusterclient"))
          .map(l -> l.substring(l.indexOf(" INFO ") >= 0 ? l.indexOf(" INFO ") + 1 : l.indexOf(" WARN ") + 1))
          .map(l -> l.replaceFirst("^(INFO|WARN) \\S+ - ", "$1 "))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void call(TestProcess p, String args) {
    p.send("call echo echo " + args);
    assertThat(p.awaitLine(l -> l.startsWith("OK ") || l.startsWith("ERR "), WAIT)).startsWith("OK ");
  }

  @Test
  void eachStateChangeIsLoggedOnceAndNoCallIs() {
    int port = Ports.free();
    TestProcess first = child("first", port, "leader=true");
    assertThat(first.awaitLine("READY ", WAIT)).isEqualTo("READY echo LEADER");
    TestProcess a = child("a", port);
    TestProcess b = child("b", port);
    assertThat(a.awaitLine("READY ", WAIT)).isEqualTo("READY echo FOLLOWER");
    assertThat(b.awaitLine("READY ", WAIT)).isEqualTo("READY echo FOLLOWER");
    for (int i = 0; i < 50; i++) {
      call(a, "[\"call " + i + "\"]");
    }

    first.send("exit"); // a handover
    assertThat(first.awaitExit(WAIT)).isZero();
    Deadline.await("a new leader after the handover", WAIT, () ->
        logged(a).stream().anyMatch(l -> l.startsWith("INFO [cluster-client:echo] LEADER ("))
            || logged(b).stream().anyMatch(l -> l.startsWith("INFO [cluster-client:echo] LEADER (")));
    boolean aLeads = logged(a).stream().anyMatch(l -> l.startsWith("INFO [cluster-client:echo] LEADER ("));
    TestProcess second = aLeads ? a : b;
    TestProcess last = aLeads ? b : a;
    Deadline.await("the other follows the new leader", WAIT, () -> logged(last).stream()
        .anyMatch(l -> l.startsWith("INFO [cluster-client:echo] FOLLOWER (leader pid " + second.pid())));
    call(last, "[\"after the handover\"]");

    assertThat(logged(first)).containsExactly(
        "INFO [cluster-client:echo] LEADER (leader in this process, pid " + first.pid() + ", on 127.0.0.1:" + port + ")",
        "INFO [cluster-client:echo] closing (was LEADER)",
        "INFO [cluster-client:echo] handing over: port free, 2 follower(s) told, waiting up to 5000 ms");
    String firstLeader = "leader pid " + first.pid() + " on 127.0.0.1:" + port;
    assertThat(logged(second)).containsExactly(
        "INFO [cluster-client:echo] FOLLOWER (" + firstLeader + ")",
        "INFO [cluster-client:echo] " + firstLeader + " is handing over; electing a new leader",
        "INFO [cluster-client:echo] LEADER (leader in this process, pid " + second.pid() + ", on 127.0.0.1:" + port + ")");

    second.kill(); // lost, as a crash loses it
    Deadline.await("the last one leads", WAIT, () -> logged(last).stream()
        .anyMatch(l -> l.startsWith("INFO [cluster-client:echo] LEADER (")));
    List<String> lastLog = logged(last);
    assertThat(lastLog).hasSize(5);
    assertThat(lastLog.subList(0, 3)).containsExactly(
        "INFO [cluster-client:echo] FOLLOWER (" + firstLeader + ")",
        "INFO [cluster-client:echo] " + firstLeader + " is handing over; electing a new leader",
        "INFO [cluster-client:echo] FOLLOWER (leader pid " + second.pid() + " on 127.0.0.1:" + port + ")");
    assertThat(lastLog.get(3)).startsWith(
        "WARN [cluster-client:echo] lost leader pid " + second.pid() + " on 127.0.0.1:" + port + ": ")
        .endsWith("; electing a new leader");
    assertThat(lastLog.get(4)).isEqualTo(
        "INFO [cluster-client:echo] LEADER (leader in this process, pid " + last.pid() + ", on 127.0.0.1:" + port + ")");
  }
}
