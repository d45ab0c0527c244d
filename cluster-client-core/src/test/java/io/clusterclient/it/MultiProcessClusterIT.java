package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three JVMs on one port share one real client. The processes start together so that they really
 * compete; the tests then drive every process and check who served.
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiProcessClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestProcesses processes = new TestProcesses();
  private final List<TestProcess> all = new ArrayList<>();
  private TestProcess leader;
  private final List<TestProcess> followers = new ArrayList<>();
  private Path constructions;

  @BeforeAll
  void startThreeProcessesTogether(@TempDir Path dir) {
    constructions = dir.resolve("constructions.txt");
    int port = Ports.free();
    for (int i = 1; i <= 3; i++) {
      all.add(
          processes.add(
              ChildJvm.builder(ClusterChild.class)
                  .name("p" + i)
                  .args(String.valueOf(port), "echo,other", "responseTimeout=2000")
                  .systemProperty("cc.constructions", constructions.toString())
                  .start()));
    }
    for (TestProcess p : all) {
      String echo = p.awaitLine("READY echo ", WAIT);
      String other = p.awaitLine("READY other ", WAIT);
      assertThat(other.substring("READY other ".length()))
          .as("both names share the port, so they share the role")
          .isEqualTo(echo.substring("READY echo ".length()));
      if (echo.endsWith("LEADER")) {
        assertThat(leader).as("exactly one leader").isNull();
        leader = p;
      } else {
        assertThat(echo).endsWith("FOLLOWER");
        followers.add(p);
      }
    }
    assertThat(leader).as("exactly one leader").isNotNull();
  }

  @AfterAll
  void stop() {
    processes.close();
  }

  private static String call(TestProcess p, String name, String method, String args) {
    p.send("call " + name + " " + method + " " + args);
    String line = p.awaitLine(l -> l.startsWith("OK ") || l.startsWith("ERR "), WAIT);
    return line;
  }

  private static JsonNode ok(TestProcess p, String method, String args) throws IOException {
    String line = call(p, "echo", method, args);
    assertThat(line).as("%s %s on %s", method, args, p).startsWith("OK ");
    return JSON.readTree(line.substring(3));
  }

  @Test
  void everyProcessIsServedByTheOneRealClientOfTheLeader() throws IOException {
    String leaderIdentity = "echo@" + leader.pid();
    for (TestProcess p : all) {
      assertThat(ok(p, "whoami", "[]").asText()).isEqualTo(leaderIdentity);
      assertThat(call(p, "other", "whoami", "[]")).isEqualTo("OK \"other@" + leader.pid() + "\"");
    }
  }

  @Test
  void followersNeverConstructTheRealClient() throws IOException {
    assertThat(Files.readAllLines(constructions))
        .containsExactlyInAnyOrder("echo " + leader.pid(), "other " + leader.pid());
  }

  @Test
  void syncAsyncAndOnewayCallsReachTheLeader() throws IOException {
    for (TestProcess p : all) {
      assertThat(ok(p, "echo", "[\"hello from " + p.name() + "\"]").asText())
          .isEqualTo("hello from " + p.name());
      assertThat(ok(p, "add", "[20, 22]").asInt()).isEqualTo(42);
      assertThat(ok(p, "done", "[\"ready\"]").asText()).isEqualTo("ready");
      assertThat(ok(p, "staged", "[\"minimal\"]").asText()).isEqualTo("minimal");
      assertThat(ok(p, "record", "[\"event-" + p.name() + "\"]").isNull()).isTrue();
    }
    TestProcess asker = followers.get(0);
    Deadline.await(
        "every oneway record to reach the real client",
        WAIT,
        () -> {
          try {
            JsonNode events = ok(asker, "recorded", "[]");
            List<String> seen = new ArrayList<>();
            events.forEach(e -> seen.add(e.asText()));
            return seen.containsAll(List.of("event-p1", "event-p2", "event-p3"));
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        });
  }

  @Test
  void genericTypesOverloadsAndBytesRoundTrip() throws IOException {
    for (TestProcess p : followers) {
      assertThat(ok(p, "generic", "[[{\"a\":1},{\"b\":2}]]").toString())
          .isEqualTo("[{\"a\":1},{\"b\":2},{\"size\":2}]");
      assertThat(ok(p, "overloaded", "[\"x\"]").asText()).isEqualTo("S:x");
      assertThat(ok(p, "overloaded", "[\"x\", 7]").asText()).isEqualTo("SI:x7");
      assertThat(ok(p, "overloaded", "[7]").asText()).isEqualTo("I:7");
    }
  }

  @Test
  void aDeclaredCheckedExceptionIsRethrownAsItself() {
    for (TestProcess p : followers) {
      String line = call(p, "echo", "fail", "[\"boom\"]");
      assertThat(line)
          .startsWith("ERR io.clusterclient.it.EchoException ")
          .contains("\"message\":\"boom\"")
          .contains("\"cause\":\"io.clusterclient.RemoteInvocationException\"");
    }
  }

  @Test
  void anUndeclaredExceptionKeepsRemoteClassMessageCodeAndStack() {
    for (TestProcess p : followers) {
      String line = call(p, "echo", "failCoded", "[\"bad input\", \"E42\"]");
      assertThat(line)
          .startsWith("ERR io.clusterclient.RemoteInvocationException ")
          .contains("\"remoteClass\":\"io.clusterclient.it.CodedException\"")
          .contains("\"remoteMessage\":\"bad input\"")
          .contains("\"code\":\"E42\"")
          .contains("\"remoteStack\":true")
          .contains("EchoService.failCoded(String, String)");
    }
    // The leader's own caller gets the same exception, with the real client's as its cause.
    String onLeader = call(leader, "echo", "failCoded", "[\"bad input\", \"E42\"]");
    assertThat(onLeader)
        .startsWith("ERR io.clusterclient.RemoteInvocationException ")
        .contains("\"remoteClass\":\"io.clusterclient.it.CodedException\"")
        .contains("\"code\":\"E42\"")
        .contains("\"cause\":\"io.clusterclient.it.CodedException\"");
  }

  @Test
  void aSlowCallTimesOutNamingMethodLeaderAndTimeout() throws IOException {
    TestProcess p = followers.get(0);
    String line = call(p, "echo", "slow", "[4000]");
    assertThat(line)
        .startsWith("ERR io.clusterclient.ClusterTimeoutException ")
        .contains("EchoService.slow(int)")
        .contains("leader pid " + leader.pid())
        .contains("2000 ms");
    // The connection survives a timeout: the next call works.
    assertThat(ok(p, "echo", "[\"after timeout\"]").asText()).isEqualTo("after timeout");
  }

  @Test
  void aMethodThatIsNotDelegatedFailsOnEveryProcess() {
    for (TestProcess p : all) {
      assertThat(call(p, "echo", "local", "[]"))
          .startsWith("ERR io.clusterclient.NotDelegatedException ")
          .contains("EchoService.local()");
    }
  }

  @Test
  void byteArraysTravelRawBetweenJavaProcessesLargeEmptyAndNull() throws IOException {
    for (TestProcess p : followers) {
      assertThat(ok(p, "bytesOf", "[1048576]").asText()).isEqualTo("ok 1048576");
      assertThat(ok(p, "bytes", "[\"\"]").asText()).isEqualTo("0:1");
      assertThat(ok(p, "bytes", "[null]").isNull()).isTrue();
    }
  }
}
