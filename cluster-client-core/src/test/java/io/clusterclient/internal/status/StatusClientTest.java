package io.clusterclient.internal.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterException;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.ClusterSecurityException;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.ClusterTransport;
import io.clusterclient.Delegate;
import io.clusterclient.ProtocolException;
import io.clusterclient.internal.security.ClusterSecret;
import io.clusterclient.internal.transport.RunDirectory;
import io.clusterclient.it.Ports;
import io.clusterclient.testing.RawFrames;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status request, in one JVM against leaders of other runtimes over real sockets: what the
 * report holds, the proof of the secret it obeys, and what a holder of the port that is not a
 * leader makes of it.
 */
@Timeout(60)
class StatusClientTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  public record Topic(String name) {}

  public interface Board {
    void subscribe(Topic topic, Consumer<String> listener);

    @Delegate
    String echo(String s);
  }

  static final class RealBoard implements Board {
    @Override
    public void subscribe(Topic topic, Consumer<String> listener) {}

    @Override
    public String echo(String s) {
      return s;
    }
  }

  @TempDir Path tmp;
  private Path runDir;
  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  @BeforeEach
  void ownerOnlyRunDir() throws Exception {
    runDir = Files.createDirectory(tmp.resolve("run"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  @AfterEach
  void close() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private Board board(ClusterOptions.Builder options) throws Exception {
    ClusterRuntime r = ClusterRuntime.builder().name("status-" + runtimes.size()).build();
    runtimes.add(r);
    Board b = ClusterClient.of(Board.class).runtime(r).options(options.name("board").jmx(false).build())
        .create(RealBoard::new);
    ClusterClient.handle(b).ready().get(20, TimeUnit.SECONDS);
    return b;
  }

  private ClusterOptions.Builder at(int port) {
    return ClusterOptions.builder().port(port).runDir(runDir);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> onlyClient(Map<String, Object> report) {
    List<Object> clients = (List<Object>) report.get("clients");
    assertThat(clients).hasSize(1);
    return (Map<String, Object>) clients.get(0);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theReportTellsWhoLeadsWhoFollowsWhatIsSubscribedAndTheMeters() throws Exception {
    int port = Ports.free();
    Board leader = board(at(port));
    Board follower = board(at(port));
    for (int i = 0; i < 3; i++) {
      follower.echo("x" + i);
    }
    follower.subscribe(new Topic("news"), v -> {});
    ClusterHandle lh = ClusterClient.handle(leader);
    await().atMost(WAIT).until(() -> lh.followers().size() == 1 && lh.followers().get(0).subscriptions() == 1);

    Map<String, Object> report = StatusClient.fetch(at(port).build(), WAIT);

    assertThat(report).containsEntry("version", 1)
        .containsEntry("pid", (int) ProcessHandle.current().pid())
        .containsEntry("address", "127.0.0.1:" + port)
        .containsEntry("transport", "TCP");
    Map<String, Object> client = onlyClient(report);
    assertThat(client).containsEntry("name", "board").containsEntry("followerCount", 1);
    assertThat(((Number) client.get("since")).longValue()).isEqualTo(lh.leader().orElseThrow().epoch());
    Map<String, Object> f = (Map<String, Object>) ((List<Object>) client.get("followers")).get(0);
    assertThat(f).containsEntry("subscriptions", 1).containsEntry("callsInFlight", 0)
        .containsEntry("pid", (int) ProcessHandle.current().pid());
    assertThat((List<Object>) client.get("subscriptions")).as("the leader process subscribed nothing").isEmpty();
    Map<String, Object> metrics = (Map<String, Object>) client.get("metrics");
    assertThat(metrics).containsEntry("callsServed", 3).containsEntry("followersDropped", 0);
    assertThat(((Number) metrics.get("bytesIn")).longValue()).isPositive();
    assertThat(lh.metrics().followersDropped()).as("a status request is no dropped follower").isZero();
  }

  @Test
  void overUnixSocketsTheReportComesFromTheSocketInTheRunDirectory() throws Exception {
    int port = Ports.free();
    board(at(port).transport(ClusterTransport.UNIX));
    Map<String, Object> report = StatusClient.fetch(at(port).transport(ClusterTransport.UNIX).build(), WAIT);
    assertThat(report).containsEntry("transport", "UNIX")
        .containsEntry("address", runDir.toRealPath().resolve(port + ".sock").toString());
    assertThat(onlyClient(report)).containsEntry("name", "board");
  }

  @Test
  void aLeaderOfAnotherSecretIsNotAskedAndOneThatSeesNoProofRefuses() throws Exception {
    int port = Ports.free();
    Board leader = board(at(port));
    Path other = Files.createDirectory(tmp.resolve("other"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    ClusterSecret.load(other, RunDirectory.ownUid());

    assertThatThrownBy(() -> StatusClient.fetch(ClusterOptions.builder().port(port).runDir(other).build(), WAIT))
        .isInstanceOf(ClusterSecurityException.class)
        .hasMessageContaining("could not prove that it knows the owner's secret")
        .hasMessageContaining("--run-dir");
    assertThatThrownBy(() -> StatusClient.fetch(at(port).allowUnauthenticated(true).build(), WAIT))
        .isInstanceOf(ClusterSecurityException.class)
        .hasMessageContaining("refused the status request")
        .hasMessageContaining("drop that option");
    // The first left before proving anything; the second was refused: one dropped by the leader.
    await().atMost(WAIT).until(() -> ClusterClient.handle(leader).metrics().followersDropped() == 1);
  }

  @Test
  void aRunDirectoryWithoutASecretIsNamedWithTheFix() throws Exception {
    int port = Ports.free();
    board(at(port));
    Path empty = Files.createDirectory(tmp.resolve("empty"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    assertThatThrownBy(() -> StatusClient.fetch(ClusterOptions.builder().port(port).runDir(empty).build(), WAIT))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("no cluster secret in " + empty.toRealPath());
  }

  @Test
  void nobodyOnThePortIsToldAsSuch() {
    int port = Ports.free();
    assertThatThrownBy(() -> StatusClient.fetch(at(port).build(), WAIT))
        .isInstanceOf(ClusterException.class)
        .hasMessageContaining("nobody listens on 127.0.0.1:" + port)
        .hasMessageContaining("--transport unix");
  }

  @Test
  void aProgramThatSpeaksAnotherProtocolIsNamedAsSuch() throws Exception {
    ClusterSecret.load(runDir, RunDirectory.ownUid());
    try (ServerSocket foreign = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = foreign.accept()) {
          OutputStream out = s.getOutputStream();
          out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          InputStream in = s.getInputStream();
          in.read(new byte[1024]);
        } catch (java.io.IOException e) {
          // the client went away
        }
      });
      t.setDaemon(true);
      t.start();
      assertThatThrownBy(() -> StatusClient.fetch(at(foreign.getLocalPort()).build(), WAIT))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("does not speak the cluster-client protocol")
          .hasMessageContaining("another program uses the port");
    }
  }

  @Test
  void aHolderThatSaysNothingIsReportedAfterTheTimeoutWithItsLikelyCauses() throws Exception {
    ClusterSecret.load(runDir, RunDirectory.ownUid());
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> StatusClient.fetch(at(silent.getLocalPort()).build(), Duration.ofMillis(300)))
          .isInstanceOf(ClusterTimeoutException.class)
          .hasMessageContaining("answered no status within 300 ms")
          .hasMessageContaining("a Node.js leader");
    }
  }

  @Test
  void aReportFromAHolderThatDidNotProveItselfIsRefused() throws Exception {
    ClusterSecret.load(runDir, RunDirectory.ownUid());
    try (ServerSocket impostor = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = impostor.accept()) {
          java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
          java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
          RawFrames.Frame request = RawFrames.read(in);
          // A made-up report, straight away: no greeting, no proof.
          RawFrames.write(out, true, request.id(), "{\"type\":\"status_res\"}", "{\"version\":1,\"clients\":[]}");
          in.read();
        } catch (java.io.IOException e) {
          // the client went away
        }
      });
      t.setDaemon(true);
      t.start();
      assertThatThrownBy(() -> StatusClient.fetch(at(impostor.getLocalPort()).build(), WAIT))
          .isInstanceOf(ClusterSecurityException.class)
          .hasMessageContaining("answered without proving that it knows the owner's secret")
          .hasMessageContaining("its answer was ignored");
    }
  }
}
