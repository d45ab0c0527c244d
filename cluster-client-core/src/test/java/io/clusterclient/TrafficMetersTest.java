package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The meters of the wire and the gate, under a known load, over real loopback connections between
 * runtimes of one JVM: bytes in and out, pushes sent and delivered, dropped followers, calls queued
 * for a leader, calls retried.
 */
@Timeout(60)
class TrafficMetersTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  public record Topic(String name) {}

  public interface Board {
    void subscribe(Topic topic, Consumer<String> listener);

    void publish(Topic topic);

    @Delegate
    String whoami();

    CompletableFuture<String> whoamiAsync();

    @Delegate
    @Idempotent
    String slowly(long millis) throws InterruptedException;
  }

  /** Each publish pushes the topic's name to its listeners. */
  static final class RealBoard implements Board {
    final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();

    @Override
    public void subscribe(Topic topic, Consumer<String> listener) {
      listeners.computeIfAbsent(topic.name(), k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    @Override
    public void publish(Topic topic) {
      listeners.getOrDefault(topic.name(), List.of()).forEach(l -> l.accept(topic.name()));
    }

    @Override
    public String whoami() {
      return "real";
    }

    @Override
    public CompletableFuture<String> whoamiAsync() {
      return CompletableFuture.completedFuture("real");
    }

    @Override
    public String slowly(long millis) throws InterruptedException {
      Thread.sleep(millis);
      return "slow";
    }
  }

  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  @AfterEach
  void close() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private Board board(int port, ClusterOptions.Builder options) {
    ClusterRuntime r = ClusterRuntime.builder().name("traffic-" + runtimes.size()).build();
    runtimes.add(r);
    return ClusterClient.of(Board.class)
        .runtime(r)
        .options(options.name("board").port(port)
            // No heartbeat during a test: the bytes counted are the load's alone.
            .heartbeatInterval(Duration.ofMinutes(10))
            .build())
        .create(RealBoard::new);
  }

  private Board ready(int port) throws Exception {
    Board b = board(port, ClusterOptions.builder());
    ClusterClient.handle(b).ready().get(20, TimeUnit.SECONDS);
    return b;
  }

  private static ClusterMetrics m(Board b) {
    return ClusterClient.handle(b).metrics();
  }

  @Test
  void bytesArePacketsOnTheWireAndBothEndsCountTheSame() throws Exception {
    int port = Ports.free();
    Board leader = ready(port);
    Board one = ready(port);
    Board two = ready(port);
    assertThat(m(leader).bytesIn()).as("the followers registered").isPositive();

    long before = m(one).bytesOut();
    one.whoami();
    long perCall = m(one).bytesOut() - before;
    // A request: the 24-byte header and its connection object (no argument).
    assertThat(perCall).isGreaterThan(24);
    for (int i = 0; i < 10; i++) {
      one.whoami();
    }
    assertThat(m(one).bytesOut() - before).as("11 identical calls").isEqualTo(11 * perCall);
    two.whoamiAsync().get(10, TimeUnit.SECONDS);

    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(m(leader).bytesIn()).isEqualTo(m(one).bytesOut() + m(two).bytesOut());
      assertThat(m(leader).bytesOut()).isEqualTo(m(one).bytesIn() + m(two).bytesIn());
    });
    assertThat(m(leader).bytesIn()).isGreaterThan(11 * perCall);
    assertThat(m(leader).callsServed()).as("11 calls of one, 1 of the other").isEqualTo(12);
    assertThat(m(one).callsServed()).isZero();
  }

  @Test
  void theLeaderCountsEveryPushToEveryFollowerAndEachFollowerEveryValueItsListenersGot() throws Exception {
    int port = Ports.free();
    Board leader = ready(port);
    Board one = ready(port);
    Board two = ready(port);
    List<String> heardByOne = new CopyOnWriteArrayList<>();
    one.subscribe(new Topic("news"), heardByOne::add);
    one.subscribe(new Topic("news"), v -> {}); // a second listener in the same process
    two.subscribe(new Topic("news"), v -> {});
    ClusterHandle lh = ClusterClient.handle(leader);
    await().atMost(WAIT).until(() ->
        lh.followers().size() == 2 && lh.followers().stream().allMatch(f -> f.subscriptions() == 1));

    for (int i = 0; i < 5; i++) {
      leader.publish(new Topic("news"));
    }

    await().atMost(WAIT).until(() -> heardByOne.size() == 5 && m(two).pushesDelivered() == 5);
    assertThat(m(one).pushesDelivered()).as("5 values, 2 listeners").isEqualTo(10);
    assertThat(m(leader).pushesSent()).as("5 values, 2 followers").isEqualTo(10);
    assertThat(m(leader).pushesDelivered()).as("no listener in the leader's process").isZero();
    assertThat(m(one).pushesSent()).isZero();
  }

  @Test
  void aPeerThatBreaksTheProtocolIsCountedAsDroppedByTheLeader() throws Exception {
    int port = Ports.free();
    Board leader = ready(port);
    Board follower = ready(port);
    try (Socket peer = new Socket(InetAddress.getLoopbackAddress(), port)) {
      OutputStream out = peer.getOutputStream();
      byte[] garbage = new byte[24];
      garbage[0] = 9; // no such protocol version
      out.write(garbage);
      out.flush();
      InputStream in = peer.getInputStream();
      peer.setSoTimeout((int) WAIT.toMillis());
      // Whatever the leader says first (a greeting, say), it then closes the connection.
      while (in.read() != -1) {
        // skipped
      }
    }
    await().atMost(WAIT).until(() -> m(leader).followersDropped() == 1);
    assertThat(follower.whoami()).as("the real follower stays").isEqualTo("real");
    assertThat(m(leader).followersDropped()).isEqualTo(1);
    assertThat(m(follower).followersDropped()).isZero();
  }

  @Test
  void callsMadeWithoutALeaderAreQueuedUntilOneComes() throws Exception {
    int port = Ports.free();
    Board waiting = board(port, ClusterOptions.builder()
        .leader(false)
        .responseTimeout(Duration.ofSeconds(30))
        .maxWaitTime(Duration.ofSeconds(30)));
    CompletableFuture<String> sync = CompletableFuture.supplyAsync(waiting::whoami);
    CompletableFuture<String> async = waiting.whoamiAsync();
    await().atMost(WAIT).until(() -> m(waiting).queued() == 2);
    assertThat(m(waiting).queuedTotal()).isEqualTo(2);

    ready(port); // a leader comes

    assertThat(sync.get(20, TimeUnit.SECONDS)).isEqualTo("real");
    assertThat(async.get(20, TimeUnit.SECONDS)).isEqualTo("real");
    await().atMost(WAIT).until(() -> m(waiting).queued() == 0);
    waiting.whoami();
    assertThat(m(waiting).queuedTotal()).as("a call with a leader live is not queued").isEqualTo(2);
  }

  @Test
  void anIdempotentCallInFlightWhenItsLeaderIsLostIsRetriedOnTheNextOne() throws Exception {
    int port = Ports.free();
    Board leader = board(port, ClusterOptions.builder().handoverTimeout(Duration.ZERO));
    ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
    Board follower = board(port, ClusterOptions.builder().responseTimeout(Duration.ofSeconds(20)));
    ClusterClient.handle(follower).ready().get(20, TimeUnit.SECONDS);
    ClusterHandle lh = ClusterClient.handle(leader);

    CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> {
      try {
        return follower.slowly(1_000);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    await().atMost(WAIT).until(() ->
        lh.followers().stream().anyMatch(f -> f.callsInFlight() == 1));
    runtimes.get(0).close(); // the leader goes with the call in flight, as a crash would

    assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo("slow");
    assertThat(ClusterClient.handle(follower).isLeader()).isTrue();
    assertThat(m(follower).retried()).isEqualTo(1);
    assertThat(m(follower).succeeded()).isEqualTo(1);
  }
}
