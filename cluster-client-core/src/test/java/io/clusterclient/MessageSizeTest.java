package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusterclient.it.Ports;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call over {@code maxFrameLength} fails alone, before it is sent, with the size and the option
 * named; the connection, the subscriptions and every other call are untouched. The same in the
 * leader's process as in a follower's.
 */
@Timeout(60)
class MessageSizeTest {
  private static final int LIMIT = 64 * 1024;
  private static final String BIG = "x".repeat(LIMIT + 1);

  public interface Store {
    @Idempotent
    @Delegate
    int put(String key, String value);

    @Delegate
    String get(String key);

    void subscribe(String key, Consumer<String> listener);

    void publish(Topic topic);

    java.util.concurrent.CompletableFuture<String> getAsync(String key);

    @Delegate
    String failWith(int length);
  }

  public record Topic(String key, String value) {}

  static final class RealStore implements Store {
    final AtomicInteger puts = new AtomicInteger();
    final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public int put(String key, String value) {
      return puts.incrementAndGet();
    }

    @Override
    public String get(String key) {
      return "big".equals(key) ? BIG : "small";
    }

    @Override
    public void subscribe(String key, Consumer<String> listener) {
      listeners.add(listener);
      listener.accept("current");
    }

    @Override
    public void publish(Topic topic) {}

    @Override
    public java.util.concurrent.CompletableFuture<String> getAsync(String key) {
      return java.util.concurrent.CompletableFuture.supplyAsync(() -> get(key));
    }

    @Override
    public String failWith(int length) {
      throw new IllegalArgumentException("bad input: " + "y".repeat(length));
    }
  }

  private final List<ClusterRuntime> runtimes = new ArrayList<>();
  private final RealStore real = new RealStore();
  private Store leader;
  private Store follower;

  @BeforeEach
  void start() throws Exception {
    int port = Ports.free();
    leader = store(port);
    ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
    follower = store(port);
    ClusterClient.handle(follower).ready().get(20, TimeUnit.SECONDS);
    assertThat(ClusterClient.handle(follower).role()).isEqualTo(Role.FOLLOWER);
  }

  private Store store(int port) {
    ClusterRuntime runtime = ClusterRuntime.builder().name("r" + runtimes.size()).build();
    runtimes.add(runtime);
    return ClusterClient.of(Store.class)
        .runtime(runtime)
        .options(ClusterOptions.builder().name("store").port(port).maxFrameLength(LIMIT).build())
        .create(() -> real);
  }

  @AfterEach
  void close() {
    runtimes.forEach(ClusterRuntime::close);
  }

  @Test
  void anOversizedArgumentFailsThatCallOnlyNeverSentNeverRetried() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    follower.subscribe("k", heard::add);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> heard.contains("current"));
    long elections = ClusterClient.handle(follower).metrics().elections();

    for (Store s : List.of(follower, leader)) {
      assertThatThrownBy(() -> s.put("k", BIG))
          .isInstanceOf(MessageTooLargeException.class)
          .hasMessageContaining("cannot send the arguments of Store.put(String, String)")
          .hasMessageContaining("maxFrameLength " + LIMIT)
          // Two arguments, each with its 4-byte length: "k" in quotes, and BIG in quotes.
          .hasMessageContaining((4 + 3 + 4 + LIMIT + 3) + " bytes encoded");
    }
    assertThat(real.puts).as("never ran, not once, though @Idempotent").hasValue(0);
    assertThatThrownBy(() -> follower.publish(new Topic("k", BIG))).isInstanceOf(MessageTooLargeException.class);

    // Nothing else moved: same connection, no election, no repeated push, calls go on.
    assertThat(follower.put("k", "small")).isEqualTo(1);
    assertThat(ClusterClient.handle(follower).role()).isEqualTo(Role.FOLLOWER);
    assertThat(ClusterClient.handle(follower).metrics().elections()).isEqualTo(elections);
    assertThat(heard).containsExactly("current");
  }

  @Test
  void anOversizedResultFailsThatCallOnlyInBothRoles() {
    for (Store s : List.of(follower, leader)) {
      assertThatThrownBy(() -> s.get("big"))
          .isInstanceOf(MessageTooLargeException.class)
          .hasMessageContaining("cannot send the result of Store.get(String)")
          .hasMessageContaining("maxFrameLength " + LIMIT);
    }
    for (Store s : List.of(follower, leader)) {
      assertThat(s.getAsync("big"))
          .as("an async result fails its future, never leaves it hanging")
          .failsWithin(java.time.Duration.ofSeconds(20))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .havingCause()
          .isInstanceOf(MessageTooLargeException.class);
    }
    long elections = ClusterClient.handle(follower).metrics().elections();
    assertThat(follower.get("small")).isEqualTo("small");
    assertThat(ClusterClient.handle(follower).role()).isEqualTo(Role.FOLLOWER);
    assertThat(ClusterClient.handle(follower).metrics().elections()).isEqualTo(elections);
  }

  @Test
  void anExceptionWhoseMessageIsTooLargeArrivesCutAndTheConnectionStays() {
    long elections = ClusterClient.handle(follower).metrics().elections();
    assertThatThrownBy(() -> follower.failWith(LIMIT))
        .isInstanceOf(RemoteInvocationException.class)
        .hasMessageContaining("IllegalArgumentException")
        .hasMessageContaining("(cut: ");
    assertThat(follower.get("small")).isEqualTo("small");
    assertThat(ClusterClient.handle(follower).metrics().elections()).isEqualTo(elections);
  }
}
