package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over TCP, only processes that prove they know the owner's secret share the client: a peer that
 * speaks the protocol perfectly but proves nothing, or proves it wrong, is refused before any of
 * its calls reaches the real client; a Java process with another secret, or with a different
 * setting, fails with a ClusterSecurityException that names the cause and the fix.
 */
@Timeout(240)
class AuthenticationIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess child(String name, int port, String... options) {
    String[] args = new String[options.length + 2];
    args[0] = String.valueOf(port);
    args[1] = "EchoService";
    System.arraycopy(options, 0, args, 2, options.length);
    return processes.add(ChildJvm.builder(ClusterChild.class).name(name).args(args).start());
  }

  private static String log(TestProcess p) {
    try {
      return Files.readString(p.logFile());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private TestProcess peer(String mode, int port) {
    return processes.add(ChildJvm.builder(HostilePeer.class).name("peer-" + mode).args("" + port, mode).start());
  }

  @Test
  void aPeerThatProvesNothingIsRefusedAndNoneOfItsCallsRuns() throws Exception {
    int port = Ports.free();
    TestProcess leader = child("secure-leader", port, "leader=true");
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY EchoService LEADER");

    TestProcess unproven = peer("unproven", port);
    unproven.awaitLine("CLOSED", WAIT);
    assertThat(unproven.lines())
        .as("the leader answered its registration with a refusal, and nothing else")
        .anyMatch(l -> l.startsWith("GOT {\"type\":\"register_channel_res\"") && l.contains("ClusterSecurityException"))
        .noneMatch(l -> l.contains("invoke_result"));
    Deadline.await(
        "the leader's log names the refused peer and why",
        WAIT,
        () -> log(leader).contains("refused connection from /127.0.0.1:"));
    assertThat(Files.readString(leader.logFile()))
        .contains("offered no proof that it knows the owner's secret")
        .doesNotContain("must never reach the real client");

    TestProcess forged = peer("forged", port);
    forged.awaitLine("CLOSED", WAIT);
    assertThat(forged.lines())
        .as("the leader proved itself, refused the wrong proof, and ran nothing")
        .anyMatch(l -> l.startsWith("GOT {\"type\":\"auth_challenge\"}") && l.contains("\"proof\""))
        .anyMatch(l -> l.contains("ClusterSecurityException"))
        .noneMatch(l -> l.contains("invoke_result"));

    // One that answers the greeting with a wrong proof at once is refused as well, and the leader
    // does not prove itself to it.
    TestProcess greeted = peer("greeted", port);
    greeted.awaitLine("CLOSED", WAIT);
    assertThat(greeted.lines())
        .as("greeted with a nonce, refused, and nothing ran")
        .anyMatch(l -> l.startsWith("GOT {\"type\":\"auth_challenge\"} {\"nonce\":"))
        .anyMatch(l -> l.contains("ClusterSecurityException"))
        .noneMatch(l -> l.contains("\"proof\""))
        .noneMatch(l -> l.contains("invoke_result"));
    Deadline.await(
        "the leader's log says the proof was wrong",
        WAIT,
        () -> log(leader).contains("its proof is wrong"));

    // A process of the same owner still joins, and calls work.
    TestProcess follower = child("secure-follower", port);
    assertThat(follower.awaitLine("READY ", WAIT)).isEqualTo("READY EchoService FOLLOWER");
    follower.send("call EchoService echo [\"hello\"]");
    assertThat(follower.awaitLine(l -> l.startsWith("OK ") || l.startsWith("ERR "), WAIT)).isEqualTo("OK \"hello\"");
  }

  @Test
  void aHolderThatCannotProveItselfGetsNoCall() throws Exception {
    int port = Ports.free();
    TestProcess impostor =
        processes.add(ChildJvm.builder(HostileLeader.class).name("impostor").args("" + port).start());
    impostor.awaitLine("LISTENING", WAIT);

    TestProcess follower = child("follower", port, "leader=false");
    assertThat(follower.awaitLine("READY", WAIT))
        .startsWith("READY_FAILED EchoService io.clusterclient.ClusterSecurityException")
        .contains("could not prove that it knows the owner's secret")
        .contains("no call was sent to it");
    follower.send("call EchoService echo [\"secret data\"]");
    assertThat(follower.awaitLine(l -> l.startsWith("OK ") || l.startsWith("ERR "), WAIT)).startsWith("ERR ");
    assertThat(impostor.lines())
        .as("the impostor saw registrations, and never a call")
        .anyMatch(l -> l.contains("register_channel"))
        .noneMatch(l -> l.contains("invoke"));
  }

  @Test
  void aProcessWithAnotherSecretFailsNamingTheSecretFile(@TempDir Path dir) throws Exception {
    int port = Ports.free();
    TestProcess leader = child("leader", port, "leader=true");
    assertThat(leader.awaitLine("READY ", WAIT)).endsWith("LEADER");

    Path otherRunDir = dir.resolve("other-run");
    TestProcess stranger = child("stranger", port, "leader=false", "runDir=" + otherRunDir);
    String failed = stranger.awaitLine("READY", WAIT);
    assertThat(failed)
        .startsWith("READY_FAILED EchoService io.clusterclient.ClusterSecurityException")
        // Its proof goes first (with its registration), so the leader is the one that refuses.
        .contains("did not accept this process's proof of the secret")
        .contains(otherRunDir.resolve("secret").toString());
  }

  @Test
  void processesThatDisagreeOnAllowUnauthenticatedFailClearly() throws Exception {
    int securePort = Ports.free();
    TestProcess secureLeader = child("secure", securePort, "leader=true");
    assertThat(secureLeader.awaitLine("READY ", WAIT)).endsWith("LEADER");
    TestProcess open = child("open-follower", securePort, "leader=false", "allowUnauthenticated=true");
    assertThat(open.awaitLine("READY", WAIT))
        .startsWith("READY_FAILED EchoService io.clusterclient.ClusterSecurityException")
        .contains("refused this process")
        .contains("allowUnauthenticated(true)");

    int openPort = Ports.free();
    TestProcess openLeader = child("open-leader", openPort, "leader=true", "allowUnauthenticated=true");
    assertThat(openLeader.awaitLine("READY ", WAIT)).endsWith("LEADER");
    TestProcess secure = child("secure-follower", openPort, "leader=false");
    assertThat(secure.awaitLine("READY", WAIT))
        .startsWith("READY_FAILED EchoService io.clusterclient.ClusterSecurityException")
        .contains("without proving that it knows the owner's secret")
        .contains("allowUnauthenticated(true)");
  }
}
