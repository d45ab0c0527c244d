package io.clusterclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.it.ClusterChild;
import io.clusterclient.it.Ports;
import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar's {@code status} command against a live cluster of three JVMs (two clients on one
 * port, authenticated over TCP), as an operator runs it, and against holders of a port that are not
 * cluster-client leaders.
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusCommandIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestProcesses processes = new TestProcesses();
  private final List<TestProcess> followers = new ArrayList<>();
  private TestProcess leader;
  private int port;
  private Path runDir;

  @BeforeAll
  void startACluster(@TempDir Path tmp) throws IOException {
    runDir = Files.createDirectory(tmp.resolve("run"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    port = Ports.free();
    List<TestProcess> all = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      all.add(processes.add(ChildJvm.builder(ClusterChild.class).name("p" + i)
          .args(String.valueOf(port), "echo,other", "runDir=" + runDir).start()));
    }
    for (TestProcess p : all) {
      String echo = p.awaitLine("READY echo ", WAIT);
      p.awaitLine("READY other ", WAIT);
      if (echo.endsWith("LEADER")) {
        leader = p;
      } else {
        followers.add(p);
      }
    }
    assertThat(leader).as("a leader").isNotNull();
    for (TestProcess f : followers) {
      for (int i = 0; i < 3; i++) {
        f.send("call echo echo [\"hi\"]");
        assertThat(f.awaitLine(l -> l.startsWith("OK ") || l.startsWith("ERR "), WAIT)).isEqualTo("OK \"hi\"");
      }
    }
  }

  @AfterAll
  void stop() {
    processes.close();
  }

  /** Runs the jar with the arguments; returns it exited. */
  private TestProcess cli(String... args) {
    List<String> command = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar()));
    command.addAll(List.of(args));
    TestProcess p = processes.add(TestProcess.start(
        "cli", command, Map.of(), Paths.get("target", "child-logs").toAbsolutePath()));
    p.awaitExit(WAIT);
    return p;
  }

  private static String jar() {
    String jar = System.getProperty("cli.jar");
    assertThat(jar).as("the failsafe configuration names the runnable jar").isNotNull();
    assertThat(Path.of(jar)).exists();
    return jar;
  }

  private static String stdout(TestProcess p) {
    return String.join("\n", p.lines());
  }

  private static String log(TestProcess p) throws IOException {
    return Files.readString(p.logFile());
  }

  private Set<Long> followerPids() {
    Set<Long> pids = new HashSet<>();
    followers.forEach(f -> pids.add(f.pid()));
    return pids;
  }

  @Test
  void theTableShowsTheLeaderEachClientItsFollowersAndRates() throws IOException {
    TestProcess p = cli("status", "--port", String.valueOf(port), "--run-dir", runDir.toString());
    assertThat(p.awaitExit(WAIT)).as(log(p)).isZero();
    String out = stdout(p);
    assertThat(out)
        .startsWith("cluster-client status of 127.0.0.1:" + port + " (TCP) at ")
        .contains("leader: pid " + leader.pid())
        .contains("client 'echo': led since ")
        .contains("client 'other': led since ")
        .contains("followers: 2")
        .containsPattern("follower calls served +6 +\\d+\\.\\d/s")
        .contains("PID", "ADDRESS", "CONNECTED", "IN FLIGHT", "SUBSCRIPTIONS", "LAST HEARD");
    for (long pid : followerPids()) {
      assertThat(out).containsPattern("(?m)^ +" + pid + " +/127\\.0\\.0\\.1:\\d+ ");
    }
    System.out.println(out); // the README quotes a run of this
  }

  @Test
  void jsonGivesScriptsTheWholeReportWithRates() throws IOException {
    TestProcess p = cli("status", "--port", String.valueOf(port), "--run-dir", runDir.toString(), "--json");
    assertThat(p.awaitExit(WAIT)).as(log(p)).isZero();
    JsonNode report = JSON.readTree(stdout(p));
    assertThat(report.get("pid").asLong()).isEqualTo(leader.pid());
    assertThat(report.get("address").asText()).isEqualTo("127.0.0.1:" + port);
    JsonNode echo = report.get("clients").get(0);
    assertThat(echo.get("name").asText()).isEqualTo("echo");
    assertThat(report.get("clients").get(1).get("name").asText()).isEqualTo("other");
    assertThat(echo.get("followerCount").asInt()).isEqualTo(2);
    Set<Long> pids = new HashSet<>();
    echo.get("followers").forEach(f -> pids.add(f.get("pid").asLong()));
    assertThat(pids).isEqualTo(followerPids());
    assertThat(echo.get("metrics").get("callsServed").asLong()).isEqualTo(6);
    assertThat(echo.get("rates").get("window").asText()).isEqualTo("since the leader started");
    assertThat(echo.get("rates").get("callsServedPerSecond").asDouble()).isPositive();
  }

  @Test
  void watchRefreshesAndMeasuresRatesBetweenReports() throws IOException {
    TestProcess p = cli("status", "--port", String.valueOf(port), "--run-dir", runDir.toString(),
        "--json", "--watch", "--interval", "0.2", "--count", "2");
    assertThat(p.awaitExit(WAIT)).as(log(p)).isZero();
    assertThat(p.lines()).hasSize(2);
    JsonNode second = JSON.readTree(p.lines().get(1));
    assertThat(second.get("clients").get(0).get("rates").get("window").asText())
        .isEqualTo("since the previous report");
  }

  @Test
  void withoutTheClustersRunDirectoryItSaysWhatIsMissing(@TempDir Path other) throws IOException {
    Path empty = Files.createDirectory(other.resolve("run"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    TestProcess p = cli("status", "--port", String.valueOf(port), "--run-dir", empty.toString());
    assertThat(p.awaitExit(WAIT)).isEqualTo(1);
    assertThat(log(p)).contains("no cluster secret in").contains("--run-dir");
  }

  @Test
  void aForeignProgramOnThePortGetsAClearMessage() throws Exception {
    try (ServerSocket foreign = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = foreign.accept()) {
          OutputStream out = s.getOutputStream();
          out.write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.flush();
          InputStream in = s.getInputStream();
          in.read(new byte[1024]);
        } catch (IOException e) {
          // the command went away
        }
      });
      t.setDaemon(true);
      t.start();
      TestProcess p = cli("status", "--port", String.valueOf(foreign.getLocalPort()), "--run-dir", runDir.toString());
      assertThat(p.awaitExit(WAIT)).isEqualTo(1);
      assertThat(log(p))
          .contains("127.0.0.1:" + foreign.getLocalPort() + " is held by something that does not speak the"
              + " cluster-client protocol")
          .contains("another program uses the port");
    }
  }

  @Test
  void aHolderThatAnswersNothingIsNamedAfterTheTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      TestProcess p = cli("status", "--port", String.valueOf(silent.getLocalPort()), "--run-dir", runDir.toString(),
          "--timeout", "500");
      assertThat(p.awaitExit(WAIT)).isEqualTo(1);
      assertThat(log(p)).contains("answered no status within 500 ms").contains("a Node.js leader");
    }
  }
}
