package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Unix-domain-socket transport in one JVM, each "process" a runtime of its own: election,
 * calls and subscriptions over {@code <runDir>/<port>.sock}, stale socket files replaced (never by
 * two processes at once), and run directories that are not safe refused with the path and the fix.
 */
@Timeout(120)
class UnixTransportTest {
  private static final int PORT = 7801;

  public interface Board {
    void subscribe(String topic, Consumer<String> listener);

    void publish(String topic);

    @Delegate
    String whoami();
  }

  static final class RealBoard implements Board {
    final String id;
    final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    RealBoard(String id) {
      this.id = id;
    }

    @Override
    public void subscribe(String topic, Consumer<String> listener) {
      listeners.add(listener);
    }

    @Override
    public void publish(String topic) {
      listeners.forEach(l -> l.accept(topic + "@" + id));
    }

    @Override
    public String whoami() {
      return id;
    }
  }

  @TempDir Path tmp;
  private Path runDir;
  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  @BeforeEach
  void ownerOnlyRunDir() throws IOException {
    runDir = Files.createDirectory(tmp.resolve("run"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
  }

  @AfterEach
  void close() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private ClusterOptions.Builder options() {
    return ClusterOptions.builder()
        .name("board")
        .port(PORT)
        .transport(ClusterTransport.UNIX)
        .runDir(runDir)
        .maxWaitTime(Duration.ofSeconds(30));
  }

  private Board board(String id) {
    ClusterRuntime runtime = ClusterRuntime.builder().name(id).build();
    runtimes.add(runtime);
    return ClusterClient.of(Board.class).runtime(runtime).options(options().build()).create(() -> new RealBoard(id));
  }

  private static void ready(Board b) throws Exception {
    ClusterClient.handle(b).ready().get(30, TimeUnit.SECONDS);
  }

  /** A socket file nobody listens on: what a leader killed by SIGKILL leaves. */
  private Path staleSocket() throws IOException {
    Path socket = runDir.resolve(PORT + ".sock");
    // The previous round's leader may have left its file (a runtime's close does not wait for the
    // socket's): either way, a stale file of our own takes its place.
    Files.deleteIfExists(socket);
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();
    return socket;
  }

  @Test
  void processesElectCallSubscribeAndFailOverOnAnOwnerOnlySocket() throws Exception {
    Board one = board("one");
    ready(one);
    Board two = board("two");
    ready(two);
    assertThat(ClusterClient.handle(one).role()).isEqualTo(Role.LEADER);
    assertThat(ClusterClient.handle(two).role()).isEqualTo(Role.FOLLOWER);
    Path socket = runDir.resolve(PORT + ".sock");
    assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

    assertThat(two.whoami()).isEqualTo("one");
    List<String> heard = new CopyOnWriteArrayList<>();
    two.subscribe("news", heard::add);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      one.publish("news");
      assertThat(heard).contains("news@one");
    });

    runtimes.get(0).close();
    await().atMost(Duration.ofSeconds(20)).until(() -> ClusterClient.handle(two).role() == Role.LEADER);
    assertThat(two.whoami()).isEqualTo("two");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      two.publish("news");
      assertThat(heard).contains("news@two");
    });
  }

  @Test
  void aStaleSocketFileIsReplaced() throws Exception {
    staleSocket();
    Board one = board("one");
    ready(one);
    assertThat(ClusterClient.handle(one).role()).isEqualTo(Role.LEADER);
  }

  @Test
  void processesRacingToReplaceAStaleSocketNeverBothLead() throws Exception {
    int rounds = 25;
    int racers = 6;
    for (int round = 0; round < rounds; round++) {
      staleSocket();
      List<Board> boards = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        boards.add(board("r" + round + "-" + i));
      }
      for (Board b : boards) {
        ready(b);
      }
      long leaders = boards.stream().filter(b -> ClusterClient.handle(b).isLeader()).count();
      assertThat(leaders).as("round %d: leaders", round).isEqualTo(1);
      String leader = boards.get(0).whoami();
      for (Board b : boards) {
        assertThat(b.whoami()).as("round %d: every process reaches the one leader", round).isEqualTo(leader);
      }
      runtimes.forEach(ClusterRuntime::close);
      runtimes.clear();
    }
  }

  @Test
  void aRunDirectoryOthersCanWriteIsRefusedNamingThePathAndTheFix() throws Exception {
    Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> board("x"))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining(runDir.toString())
        .hasMessageContaining("writable by others")
        .hasMessageContaining("chmod 700");
  }

  @Test
  void aRunDirectoryOthersCanEnterIsRefusedToo() throws Exception {
    Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThatThrownBy(() -> board("x"))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("open to others")
        .hasMessageContaining("chmod 700");
  }

  @Test
  void aClosingLeaderDeletesItsOwnSocketFileOnly() throws Exception {
    Board one = board("one");
    ready(one);
    Path socket = runDir.resolve(PORT + ".sock");
    assertThat(socket).exists();
    try (var files = Files.list(runDir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no socket left under its temporary name")
          .containsExactlyInAnyOrder(PORT + ".sock", PORT + ".lock");
    }
    ClusterClient.handle(one).close();
    await().atMost(Duration.ofSeconds(20)).until(() -> !Files.exists(socket));
  }

  @Test
  void aFileThatIsNotASocketIsNeverRemoved() throws Exception {
    Path planted = Files.writeString(runDir.resolve(PORT + ".sock"), "not a socket");
    Board b = board("x");
    Throwable failure = catchReadyFailure(b);
    assertThat(failure).hasMessageContaining(planted.toString()).hasMessageContaining("not a socket");
    assertThat(planted).hasContent("not a socket");
  }

  @Test
  void aMissingRunDirectoryIsCreatedOwnerOnly() throws Exception {
    runDir = tmp.resolve("fresh/run");
    Board b = board("x");
    ready(b);
    assertThat(Files.getPosixFilePermissions(runDir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void aRunDirectoryTooLongForASocketPathIsRefused() {
    runDir = tmp.resolve("d".repeat(120));
    assertThatThrownBy(() -> board("x"))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("too long for a Unix socket path");
  }

  private static Throwable catchReadyFailure(Board b) throws InterruptedException {
    try {
      ClusterClient.handle(b).ready().get(30, TimeUnit.SECONDS);
      throw new AssertionError("ready() succeeded");
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("ready() never failed", e);
    }
  }
}
