package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.NodeJs;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The wire format against the original: Node.js cluster-client 3.7.0 with a plain-JSON transcode, and
 * on its defaults (serialize-json, against Java processes using {@code JacksonCodec.serializeJson()}),
 * as a follower of a Java leader and as the leader of a Java follower. Skipped, saying why, when node
 * or npm is missing.
 */
@Timeout(300)
class NodeCompatibilityIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static NodeJs node;

  private final TestProcesses processes = new TestProcesses();

  @BeforeAll
  static void installTheOriginal() {
    Optional<NodeJs> detected = NodeJs.detect();
    assumeTrue(
        detected.isPresent(),
        "node and npm are not on the PATH: the Node.js compatibility tests are skipped");
    node = detected.get();
    node.installCompat();
  }

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess javaProcess(String tag, int port, String... options) {
    String[] args = new String[2 + options.length];
    args[0] = String.valueOf(port);
    args[1] = "EchoService";
    System.arraycopy(options, 0, args, 2, options.length);
    return processes.add(ChildJvm.builder(ClusterChild.class).name(tag).args(args)
        // Node.js peers cannot prove they know the owner's secret: the documented opt-in.
        .systemProperty("clusterclient.allowUnauthenticated", "true").start());
  }

  private TestProcess nodeProcess(String tag, String role, int port) {
    return processes.add(
        TestProcess.start(
            tag, node.peerCommand(role, port, "EchoService"), Map.of(), Path.of("target", "child-logs")));
  }

  @Test
  void aNodeFollowerSubscribesAndPublishesThroughAJavaLeader() {
    int port = Ports.free();
    TestProcess leader =
        processes.add(ChildJvm.builder(RegistryChild.class).name("java-registry").args("" + port)
            .systemProperty("clusterclient.allowUnauthenticated", "true").start());
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess follower =
        processes.add(
            TestProcess.start(
                "node-registry",
                node.peerCommand("follower", port, "registry"),
                Map.of(),
                Path.of("target", "child-logs")));
    follower.awaitLine("READY follower", WAIT);

    // A Java listener and a Node listener on the same key: one upstream subscription.
    leader.send("sub n1");
    leader.awaitLine("OK sub n1", WAIT);
    io.clusterclient.testing.Deadline.await("the leader's own subscription upstream", WAIT, () -> {
      leader.send("log");
      return leader.awaitLine("OK [", WAIT).contains("subscribe:n1");
    });
    follower.send("subscribe {\"dataId\":\"n1\"}");
    follower.awaitLine("OK subscribe", WAIT);
    follower.send("publish {\"dataId\":\"n1\",\"value\":\"from-node\"}");
    Lines.awaitSeen(follower, "PUSH {\"dataId\":\"n1\"} [\"from-node\"]");
    Lines.awaitSeen(leader, "PUSH n1 [\"from-node\"]");
    leader.send("pub n1 from-java");
    Lines.awaitSeen(follower, "PUSH {\"dataId\":\"n1\"} [\"from-node\",\"from-java\"]");
    leader.send("log");
    assertThat(leader.awaitLine("OK [", WAIT))
        .isEqualTo("OK [\"subscribe:n1\",\"publish:n1=from-node\",\"publish:n1=from-java\"]");
  }

  private static String nodeCall(TestProcess p, String method, String args) {
    p.send("call " + method + " " + args);
    return p.awaitLine(l -> l.startsWith("RESULT " + method + " ") || l.startsWith("ERROR " + method + " "), WAIT);
  }

  private static String javaCall(TestProcess p, String method, String args) {
    p.send("call EchoService " + method + " " + args);
    return p.awaitLine(l -> l.startsWith("OK ") || l.startsWith("ERR "), WAIT);
  }

  @Test
  void aNodeFollowerIsServedByAJavaLeader() {
    int port = Ports.free();
    TestProcess leader = javaProcess("java-leader", port, "leader=true");
    assertThat(leader.awaitLine("READY EchoService ", WAIT)).endsWith("LEADER");
    TestProcess follower = nodeProcess("node-follower", "follower", port);
    follower.awaitLine("READY follower", WAIT);

    assertThat(nodeCall(follower, "echo", "[\"hi from node\"]")).isEqualTo("RESULT echo \"hi from node\"");
    assertThat(nodeCall(follower, "add", "[2, 3]")).isEqualTo("RESULT add 5");
    assertThat(nodeCall(follower, "generic", "[[{\"a\":1}]]"))
        .isEqualTo("RESULT generic [{\"a\":1},{\"size\":1}]");
    assertThat(nodeCall(follower, "overloaded", "[\"x\", 2]")).isEqualTo("RESULT overloaded \"SI:x2\"");
    assertThat(nodeCall(follower, "fail", "[\"boom\"]"))
        .isEqualTo("ERROR fail {\"name\":\"io.clusterclient.it.EchoException\",\"message\":\"boom\",\"code\":null}");
    assertThat(nodeCall(follower, "failCoded", "[\"bad\", \"E42\"]"))
        .isEqualTo("ERROR failCoded {\"name\":\"io.clusterclient.it.CodedException\",\"message\":\"bad\",\"code\":\"E42\"}");
    // A oneway invoke from Node reaches the real client, as the Java follower's call shows.
    follower.send("oneway record [\"from node\"]");
    follower.awaitLine("SENT record", WAIT);
    // Sent is not run: a oneway call runs on the leader after its packet is read, in its own time.
    Deadline.await(
        "the oneway record from Node.js to reach the real client",
        WAIT,
        () -> javaCall(leader, "recorded", "[]").contains("from node"));
  }

  /**
   * A Node.js follower knows no handover message: the Java leader that hands over closes its
   * connection as soon as no call of it is in flight, and the original re-registers with the Java
   * follower that took over.
   */
  @Test
  void aNodeFollowerFollowsTheNextLeaderWhenAJavaLeaderHandsOver() throws Exception {
    int port = Ports.free();
    TestProcess first = javaProcess("java-first", port);
    assertThat(first.awaitLine("READY EchoService ", WAIT)).endsWith("LEADER");
    TestProcess second = javaProcess("java-second", port);
    assertThat(second.awaitLine("READY EchoService ", WAIT)).endsWith("FOLLOWER");
    TestProcess follower = nodeProcess("node-follower-handover", "follower", port);
    follower.awaitLine("READY follower", WAIT);
    assertThat(nodeCall(follower, "echo", "[\"before\"]")).isEqualTo("RESULT echo \"before\"");

    first.send("exit");
    first.awaitLine("BYE", WAIT);
    assertThat(java.nio.file.Files.readString(first.logFile()))
        .contains("handing over: port free, 2 follower(s) told");
    Deadline.await("the Java follower leads", WAIT, () -> {
      second.send("role EchoService");
      return second.awaitLine(l -> l.startsWith("OK ") || l.startsWith("ERR "), WAIT).equals("OK LEADER");
    });
    // The original re-registers on its own; its calls then reach the new leader.
    Deadline.await("the Node.js follower is served by the new leader", WAIT,
        () -> nodeCall(follower, "echo", "[\"after\"]").equals("RESULT echo \"after\""));
    assertThat(javaCall(second, "echo", "[\"java\"]")).isEqualTo("OK \"java\"");
  }

  @Test
  void aJavaFollowerIsServedByANodeLeader() {
    int port = Ports.free();
    TestProcess leader = nodeProcess("node-leader", "leader", port);
    leader.awaitLine("READY leader", WAIT);
    TestProcess follower = javaProcess("java-follower", port, "leader=false");
    assertThat(follower.awaitLine("READY EchoService ", WAIT)).endsWith("FOLLOWER");

    assertThat(javaCall(follower, "echo", "[\"hi from java\"]")).isEqualTo("OK \"hi from java\"");
    leader.awaitLine("INVOKED echo [\"hi from java\"]", WAIT);
    assertThat(javaCall(follower, "add", "[40, 2]")).isEqualTo("OK 42");
    assertThat(javaCall(follower, "fail", "[\"boom\"]"))
        .startsWith("ERR io.clusterclient.RemoteInvocationException ")
        .contains("\"remoteClass\":\"EchoError\"")
        .contains("\"remoteMessage\":\"boom\"")
        .contains("\"code\":\"E_ECHO\"");
  }

  // ---- a Node.js peer on its defaults: serialize-json, Buffers and Dates ----

  private TestProcess nodeOnDefaults(String tag, String role, int port) {
    java.util.List<String> command = node.peerCommand(role, port, "catalog");
    command.add("--transcode");
    command.add("default");
    return processes.add(TestProcess.start(tag, command, Map.of(), Path.of("target", "child-logs")));
  }

  private TestProcess javaCatalog(String tag, int port, String... options) {
    return processes.add(ChildJvm.builder(CatalogChild.class).name(tag).args(concat(port, options)).start());
  }

  private static String[] concat(int port, String... options) {
    String[] args = new String[1 + options.length];
    args[0] = String.valueOf(port);
    System.arraycopy(options, 0, args, 1, options.length);
    return args;
  }

  @Test
  void aNodeFollowerOnItsDefaultsIsServedByAJavaLeaderBuffersAndDatesIncluded() {
    int port = Ports.free();
    TestProcess leader = javaCatalog("java-catalog-leader", port, "leader=true");
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess follower = nodeOnDefaults("node-defaults-follower", "follower", port);
    follower.awaitLine("READY follower", WAIT);

    // Invoke: a Buffer (00 01 ff) and a Date in, the real client's Buffer and Date out.
    assertThat(nodeCall(follower, "item",
            "[{\"dataId\":\"i1\",\"data\":{\"$buffer\":\"AAH/\"},\"at\":{\"$date\":1700000000123}}]"))
        .isEqualTo("RESULT item {\"dataId\":\"i1\",\"data\":{\"$buffer\":\"//4A\"},\"at\":{\"$date\":1700000001123}}");
    // Errors: the Java exception's class, message and code, as the original reads an error.
    assertThat(nodeCall(follower, "fail", "[\"boom\"]"))
        .isEqualTo("ERROR fail {\"name\":\"io.clusterclient.it.CodedException\",\"message\":\"boom\",\"code\":\"E_JAVA\"}");

    // Subscribe and publish, both ways, with a Buffer and a Date in every value.
    follower.send("subscribe {\"dataId\":\"n1\"}");
    follower.awaitLine("OK subscribe", WAIT);
    leader.send("sub n1");
    leader.awaitLine("OK sub", WAIT);
    follower.send("publish {\"dataId\":\"n1\",\"data\":{\"$buffer\":\"AQI=\"},\"at\":{\"$date\":1700000000123}}");
    Lines.awaitSeen(leader, "PUSH n1 AQI= 1700000000123");
    Lines.awaitSeen(follower,
        "PUSH {\"dataId\":\"n1\"} {\"dataId\":\"n1\",\"data\":{\"$buffer\":\"AQI=\"},\"at\":{\"$date\":1700000000123}}");
    leader.send("pub n1 AwQ= 1700000005000");
    Lines.awaitSeen(follower,
        "PUSH {\"dataId\":\"n1\"} {\"dataId\":\"n1\",\"data\":{\"$buffer\":\"AwQ=\"},\"at\":{\"$date\":1700000005000}}");
    Lines.awaitSeen(leader, "PUSH n1 AwQ= 1700000005000");
  }

  @Test
  void aJavaFollowerIsServedByANodeLeaderOnItsDefaultsBuffersAndDatesIncluded() {
    int port = Ports.free();
    TestProcess leader = nodeOnDefaults("node-defaults-leader", "leader", port);
    leader.awaitLine("READY leader", WAIT);
    TestProcess follower = javaCatalog("java-catalog-follower", port, "leader=false");
    assertThat(follower.awaitLine("READY ", WAIT)).isEqualTo("READY FOLLOWER");

    follower.send("item i1 AAH/ 1700000000123");
    assertThat(follower.awaitLine("ITEM ", WAIT)).isEqualTo("ITEM i1 //4A 1700000001123");
    // The original's real client received a Buffer and a Date, not strings.
    leader.awaitLine(
        "INVOKED item [{\"dataId\":\"i1\",\"data\":{\"$buffer\":\"AAH/\"},\"at\":{\"$date\":1700000000123}}]", WAIT);
    follower.send("fail boom");
    assertThat(follower.awaitLine("FAILED ", WAIT)).isEqualTo("FAILED EchoError boom E_ECHO");

    follower.send("sub n1");
    follower.awaitLine("OK sub", WAIT);
    leader.send("subscribe {\"dataId\":\"n1\"}");
    leader.awaitLine("OK subscribe", WAIT);
    follower.send("pub n1 AQI= 1700000000123");
    leader.awaitLine(
        "INVOKED publish [{\"dataId\":\"n1\",\"data\":{\"$buffer\":\"AQI=\"},\"at\":{\"$date\":1700000000123}}]", WAIT);
    Lines.awaitSeen(follower, "PUSH n1 AQI= 1700000000123");
    leader.send("publish {\"dataId\":\"n1\",\"data\":{\"$buffer\":\"BQY=\"},\"at\":{\"$date\":5}}");
    Lines.awaitSeen(follower, "PUSH n1 BQY= 5");
    Lines.awaitSeen(leader,
        "PUSH {\"dataId\":\"n1\"} {\"dataId\":\"n1\",\"data\":{\"$buffer\":\"BQY=\"},\"at\":{\"$date\":5}}");
  }
}
