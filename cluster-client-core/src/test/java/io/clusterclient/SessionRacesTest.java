package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import io.clusterclient.testing.FakeLeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The races of the session that the state machine removed, each driven from the public API until
 * it shows. Every one of these failed on the session of locks and swapped futures it replaced.
 */
@Timeout(120)
class SessionRacesTest {
  private final List<AutoCloseable> toClose = new ArrayList<>();

  public interface Echo {
    @Delegate
    String echo(String value);
  }

  public interface Publisher {
    void publish(Registration reg);

    @Delegate
    String echo(String value);
  }

  /** A registration whose second read blocks, as a slow serializer would. */
  public static final class Registration {
    final AtomicInteger reads = new AtomicInteger();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    public String getName() throws InterruptedException {
      if (reads.incrementAndGet() == 2) {
        entered.countDown();
        release.await(60, TimeUnit.SECONDS);
      }
      return "slow";
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    toClose.add(c);
    return c;
  }

  /**
   * A leader that closes every connection right after accepting it: each registration is followed
   * at once by its loss. Listeners must hear FOLLOWER and ELECTING strictly in turn; the old session
   * fired a registration's FOLLOWER after the ELECTING of its loss (then FOLLOWER twice in a row).
   */
  @Test
  void roleListenersHearEveryTransitionInOrderWhenConnectionsDieAsTheyRegister() throws Exception {
    FakeLeader leader = closeLater(new FakeLeader(FakeLeader.Mode.CLOSE_AFTER_REGISTER));
    ExecutorService listenerThread = Executors.newSingleThreadExecutor();
    toClose.add(listenerThread::shutdownNow);
    List<Role> roles = new CopyOnWriteArrayList<>();
    Echo echo =
        ClusterClient.of(Echo.class)
            .options(
                ClusterOptions.builder()
                    .name("races-order")
                    .allowUnauthenticated(true) // FakeLeader proves nothing, as a Node.js leader
                    .port(leader.port())
                    .leader(false)
                    .maxWaitTime(Duration.ofSeconds(60))
                    .build())
            .create(() -> value -> value);
    ClusterHandle handle = closeLater(ClusterClient.handle(echo));
    handle.addListener(
        new ClusterListener() {
          @Override
          public void roleChanged(ClusterHandle h, Role role) {
            roles.add(role);
          }
        },
        listenerThread);
    await().atMost(Duration.ofSeconds(60)).until(() -> leader.registrations() >= 200);
    handle.close();
    listenerThread.submit(() -> {}).get(10, TimeUnit.SECONDS); // what was handed over has run
    List<Role> seen = new ArrayList<>(roles);
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i))
          .as("role %d of %s", i, seen)
          .isNotEqualTo(seen.get(i - 1));
    }
    assertThat(seen).as("a listener of the last instance hears CLOSED last").endsWith(Role.CLOSED);
  }

  /**
   * {@code close()} while the real client is still being created, then {@code create} of the same
   * name at once: the new instance must become ready. The old session failed it with "two leaders
   * ... in one process".
   */
  @Test
  void closeThenCreateOfTheSameNameAtOnceBecomesReady() throws Exception {
    int port = Ports.free();
    for (int i = 0; i < 20; i++) {
      Echo first = create(port);
      ClusterClient.handle(first).close();
      Echo second = create(port);
      ClusterHandle handle = ClusterClient.handle(second);
      try {
        handle.ready().get(15, TimeUnit.SECONDS);
        assertThat(second.echo("x" + i)).isEqualTo("x" + i);
      } finally {
        handle.close();
      }
    }
  }

  private static Echo create(int port) {
    return ClusterClient.of(Echo.class)
        .options(ClusterOptions.builder().name("races-reopen").port(port).build())
        .create(
            () -> {
              Thread.sleep(20); // the window in which the old session's close found no backend
              return value -> value;
            });
  }

  /**
   * A publish whose argument is slow to serialize, while the leader's connection dies: the I/O
   * thread must stay free, so that another client of the process still connects. The old session
   * serialized under its lock, and the I/O thread waited for that lock to report the loss.
   */
  @Test
  void aSlowPublishNeverStallsTheIoThread() throws Exception {
    FakeLeader first = closeLater(new FakeLeader(FakeLeader.Mode.KEEP));
    FakeLeader second = closeLater(new FakeLeader(FakeLeader.Mode.KEEP));
    Publisher publisher =
        ClusterClient.of(Publisher.class)
            // allowUnauthenticated: FakeLeader proves nothing, as a Node.js leader would not.
            .options(ClusterOptions.builder().name("races-slow").allowUnauthenticated(true)
                    .port(first.port()).leader(false).build())
            .create(() -> null);
    ClusterHandle handle = closeLater(ClusterClient.handle(publisher));
    handle.ready().get(15, TimeUnit.SECONDS);
    Registration reg = new Registration();
    toClose.add(reg.release::countDown);
    CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> publisher.publish(reg));
    assertThat(reg.entered.await(15, TimeUnit.SECONDS)).as("the publish is serializing").isTrue();
    first.dropConnections(); // the leader dies while the publish is being serialized
    Thread.sleep(100); // let the I/O thread see the loss (no assertion rests on this pause)
    Echo other =
        ClusterClient.of(Echo.class)
            // allowUnauthenticated: FakeLeader proves nothing, as a Node.js leader would not.
            .options(ClusterOptions.builder().name("races-other").allowUnauthenticated(true)
                    .port(second.port()).leader(false).build())
            .create(() -> null);
    ClusterHandle otherHandle = closeLater(ClusterClient.handle(other));
    // Finishes while the publish is still blocked: nothing waits for it.
    otherHandle.ready().get(15, TimeUnit.SECONDS);
    assertThat(publishing).isNotDone();
    reg.release.countDown();
    publishing.get(15, TimeUnit.SECONDS);
  }
}
