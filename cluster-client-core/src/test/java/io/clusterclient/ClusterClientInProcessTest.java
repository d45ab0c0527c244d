package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The public API in one JVM: single mode, sharing within a process, forced roles, failures of the real
 * client's creation, the lifecycle, and the threads the library leaves behind. Each test uses a port of
 * its own.
 */
@Timeout(60)
class ClusterClientInProcessTest {
  private static final long WAIT_SECONDS = 15;

  private final List<ClusterHandle> opened = new CopyOnWriteArrayList<>();
  private final AtomicInteger factoryCalls = new AtomicInteger();
  private String name;

  // ---- client types ----

  public interface Counter extends AutoCloseable {
    @Delegate
    String echo(String value);

    @Delegate
    int echoes();

    /** Delegated by convention: it returns a future. */
    CompletableFuture<String> later(String value);

    /** Not delegated. */
    String local();

    /** Not delegated: the tests override it. */
    String fixed();

    /** Delegated by convention as CLOSE. */
    @Override
    void close();
  }

  /** Another type, to collide with {@link Counter} on a name. */
  public interface Other {
    @Delegate
    String other();
  }

  public static class RealCounter implements Counter {
    final AtomicInteger echoes = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    final AtomicInteger untouchable = new AtomicInteger();
    final List<Thread> echoThreads = new CopyOnWriteArrayList<>();
    volatile CompletableFuture<String> nextLater = new CompletableFuture<>();

    @Override
    public String echo(String value) {
      echoes.incrementAndGet();
      echoThreads.add(Thread.currentThread());
      return "echo " + value;
    }

    @Override
    public int echoes() {
      return echoes.get();
    }

    @Override
    public CompletableFuture<String> later(String value) {
      return nextLater;
    }

    @Override
    public String local() {
      untouchable.incrementAndGet();
      return "real local";
    }

    @Override
    public String fixed() {
      untouchable.incrementAndGet();
      return "real fixed";
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  /** A concrete client type made from constructor arguments. */
  public static class Greeter {
    private final String greeting;

    public Greeter(String greeting) {
      this.greeting = greeting;
    }

    public Greeter(Integer times) {
      this.greeting = "hi".repeat(times);
    }

    @Delegate
    public String greet(String who) {
      return greeting + ", " + who;
    }
  }

  /** A class type that, like most value-ish classes, overrides Object's methods. */
  public static class Described {
    @Delegate
    public String describe() {
      return "real";
    }

    @Override
    public String toString() {
      return "Described[real]";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Described;
    }

    @Override
    public int hashCode() {
      return 42;
    }
  }

  // ---- helpers ----

  /** A port that was free a moment ago on the loopback literal. */
  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean canBind(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.isBound();
    } catch (IOException e) {
      return false;
    }
  }

  private ClusterOptions.Builder options(int port) {
    return ClusterOptions.builder()
        .name(name)
        .port(port)
        .maxWaitTime(Duration.ofSeconds(10))
        .responseTimeout(Duration.ofSeconds(10));
  }

  private RealClientFactory<Counter> factory(RealCounter real) {
    return () -> {
      factoryCalls.incrementAndGet();
      return real;
    };
  }

  /** Remembers the proxy's handle so that {@link #closeEverythingAndCheckNoThreadIsLeft} closes it. */
  private <T> T track(T proxy) {
    opened.add(ClusterClient.handle(proxy));
    return proxy;
  }

  private Counter counter(ClusterOptions options, RealClientFactory<Counter> factory) {
    return track(ClusterClient.of(Counter.class).options(options).create(factory));
  }

  private static void ready(Object proxy) throws Exception {
    ClusterClient.handle(proxy).ready().get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  /** The cause with which {@code ready()} fails; fails the test if it completes normally. */
  private static Throwable readyFailure(Object proxy) throws InterruptedException, TimeoutException {
    try {
      ClusterClient.handle(proxy).ready().get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("ready() completed normally");
  }

  private static List<String> libraryThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("cluster-client-io") || n.startsWith("cluster-client-worker"))
        .toList();
  }

  @BeforeEach
  void nameAfterTheTest(TestInfo test) {
    name = "inproc-" + test.getTestMethod().map(m -> m.getName()).orElse("test");
  }

  @AfterEach
  void closeEverythingAndCheckNoThreadIsLeft() {
    List<Throwable> failures = new ArrayList<>();
    for (ClusterHandle h : opened) {
      try {
        h.close();
      } catch (Throwable t) {
        failures.add(t);
      }
    }
    assertThat(failures).as("failures while closing").isEmpty();
    await("the library's threads to end once every client is closed")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> assertThat(libraryThreads()).isEmpty());
  }

  // ---- single mode ----

  @Test
  void singleModeCallsGoStraightToTheOneRealClientMadeOnceForTwoCreates() throws Exception {
    int port = freePort();
    RealCounter real = new RealCounter();
    ClusterOptions single = options(port).singleMode(true).build();

    Counter first = counter(single, factory(real));
    Counter second = counter(single, factory(new RealCounter()));
    ready(first);
    ready(second);

    assertThat(first.echo("a")).isEqualTo("echo a");
    assertThat(second.echo("b")).isEqualTo("echo b");
    assertThat(factoryCalls).hasValue(1);
    assertThat(real.echoes).as("both instances reach the one real client").hasValue(2);
    assertThat(real.echoThreads)
        .as("no hop: the real client runs on the caller's thread")
        .containsOnly(Thread.currentThread());
    for (Counter c : List.of(first, second)) {
      ClusterHandle h = ClusterClient.handle(c);
      assertThat(h.role()).isEqualTo(Role.LEADER);
      assertThat(h.isLeader()).isTrue();
      assertThat(h.port()).isZero();
      assertThat(h.name()).isEqualTo(name);
    }
    assertThat(canBind(port)).as("single mode binds no port").isTrue();
  }

  // ---- sharing within a process ----

  @Test
  void twoCreatesOfTheSameNameShareOneRealClientUntilTheLastOneCloses() throws Exception {
    int port = freePort();
    RealCounter real = new RealCounter();
    ClusterOptions opts = options(port).build();

    Counter first = counter(opts, factory(real));
    Counter second = counter(opts, factory(new RealCounter()));
    ready(first);
    ready(second);

    assertThat(factoryCalls).hasValue(1);
    assertThat(ClusterClient.handle(first).role()).isEqualTo(Role.LEADER);
    assertThat(ClusterClient.handle(second).port()).isEqualTo(port);
    assertThat(first.echo("1")).isEqualTo("echo 1");
    assertThat(second.echo("2")).isEqualTo("echo 2");
    assertThat(real.echoes).hasValue(2);
    assertThat(canBind(port)).as("the leader holds the port").isFalse();

    ClusterClient.handle(first).close();

    assertThat(ClusterClient.handle(first).role()).isEqualTo(Role.CLOSED);
    assertThat(second.echo("still")).isEqualTo("echo still");
    assertThat(ClusterClient.handle(second).role()).isEqualTo(Role.LEADER);
    assertThat(real.closes).as("another instance still uses the real client").hasValue(0);
    assertThat(canBind(port)).as("the port stays held while an instance is open").isFalse();

    ClusterClient.handle(second).close();

    assertThat(real.closes).hasValue(1);
    await("the port to be free")
        .atMost(Duration.ofSeconds(10))
        .until(() -> canBind(port));
    ClusterClient.handle(second).close();
    ClusterClient.handle(first).close();
    assertThat(real.closes).as("closing again does not close the real client again").hasValue(1);
  }

  @Test
  void theSameNameWithAnotherClientTypeIsRejected() throws Exception {
    int port = freePort();
    Counter counter = counter(options(port).build(), factory(new RealCounter()));
    ready(counter);

    assertThatThrownBy(
            () ->
                track(
                    ClusterClient.of(Other.class)
                        .options(options(port).build())
                        .create(() -> () -> "other")))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(Counter.class.getName())
        .hasMessageContaining(Other.class.getName());
    assertThat(counter.echo("unharmed")).isEqualTo("echo unharmed");
  }

  // ---- lifecycle ----

  @Test
  void closeIsIdempotentAndLaterCallsFailWithClusterClosedException() throws Exception {
    int port = freePort();
    RealCounter real = new RealCounter();
    Counter counter = counter(options(port).build(), factory(real));
    ready(counter);
    ClusterHandle handle = ClusterClient.handle(counter);

    handle.close();
    assertThatCode(handle::close).doesNotThrowAnyException();

    assertThat(handle.role()).isEqualTo(Role.CLOSED);
    assertThat(handle.isLeader()).isFalse();
    assertThatThrownBy(() -> counter.echo("late"))
        .isInstanceOf(ClusterClosedException.class)
        .hasMessageContaining(name);
    assertThat(real.echoes).hasValue(0);
    assertThat(real.closes).hasValue(1);
    assertThat(handle.ready())
        .failsWithin(Duration.ofSeconds(WAIT_SECONDS))
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(ClusterClosedException.class);
  }

  @Test
  void theClientTypesOwnCloseIsIdempotentToo() throws Exception {
    RealCounter real = new RealCounter();
    Counter counter = counter(options(freePort()).build(), factory(real));
    ready(counter);

    counter.close();
    counter.close(); // as with an explicit close() inside try-with-resources

    assertThat(ClusterClient.handle(counter).role()).isEqualTo(Role.CLOSED);
    assertThat(real.closes).hasValue(1);
  }

  @Test
  void closingWhileWaitingForALeaderFailsReadyWithClusterClosedException() {
    Counter counter =
        counter(
            options(freePort()).leader(false).maxWaitTime(Duration.ofSeconds(30)).build(),
            factory(new RealCounter()));
    CompletableFuture<Void> ready = ClusterClient.handle(counter).ready();

    ClusterClient.handle(counter).close();

    assertThat(ready)
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(ClusterClosedException.class);
    assertThat(factoryCalls).hasValue(0);
  }

  // ---- forced roles ----

  @Test
  void leaderTrueFailsNamingThePortWhenAnotherSocketHoldsIt() throws Exception {
    try (ServerSocket holder = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = holder.getLocalPort();
      Counter counter = counter(options(port).leader(true).build(), factory(new RealCounter()));

      Throwable failure = readyFailure(counter);

      assertThat(failure)
          .isInstanceOf(ClusterConfigurationException.class)
          .hasMessageContaining(String.valueOf(port))
          .hasMessageContaining("leader(true)");
      assertThat(factoryCalls).hasValue(0);
    }
  }

  @Test
  void leaderFalseFailsAfterMaxWaitTimeNamingThePortWhenNobodyLeads() throws Exception {
    int port = freePort();
    long start = System.nanoTime();
    Counter counter =
        counter(
            options(port).leader(false).maxWaitTime(Duration.ofMillis(500)).build(),
            factory(new RealCounter()));

    Throwable failure = readyFailure(counter);
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(failure)
        .isInstanceOf(ClusterTimeoutException.class)
        .hasMessageContaining(String.valueOf(port))
        .hasMessageContaining("maxWaitTime")
        .hasMessageContaining("500 ms");
    assertThat(((ClusterTimeoutException) failure).timeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(elapsedMillis).as("it waited maxWaitTime").isGreaterThanOrEqualTo(500);
    assertThat(factoryCalls).as("a follower never creates the real client").hasValue(0);
  }

  // ---- creating the real client ----

  @Test
  void aFactoryThatThrowsFailsReadyWithItsMessage() throws Exception {
    int port = freePort();
    Counter counter =
        counter(
            options(port).build(),
            () -> {
              factoryCalls.incrementAndGet();
              throw new IOException("upstream is down");
            });

    Throwable failure = readyFailure(counter);

    assertThat(failure).hasMessageContaining("upstream is down");
    // At least once: a failed round is followed by another election (after 0.5 s), which tries the
    // factory again, so an exact count here would race with that retry.
    assertThat(factoryCalls.get()).isPositive();
    assertThatThrownBy(() -> counter.echo("x"))
        .isInstanceOf(ClusterException.class)
        .hasMessageContaining("upstream is down");
  }

  @Test
  void aFactoryThatThrowsFailsReadyWithAClusterExceptionNamingTheClient() throws Exception {
    Counter counter =
        counter(
            options(freePort()).build(),
            () -> {
              throw new IOException("upstream is down");
            });

    Throwable failure = readyFailure(counter);

    assertThat(failure)
        .isInstanceOf(ClusterException.class)
        .hasMessageContaining(name)
        .hasMessageContaining("upstream is down")
        .hasCauseInstanceOf(IOException.class);
  }

  @Test
  void constructorArgumentsPickTheMatchingConstructorOfAConcreteClass() throws Exception {
    Greeter byString =
        track(
            ClusterClient.of(Greeter.class)
                .options(options(freePort()).name(name + "-s").build())
                .create("Hello"));
    Greeter byInteger =
        track(
            ClusterClient.of(Greeter.class)
                .options(options(freePort()).name(name + "-i").build())
                .create(2));
    ready(byString);
    ready(byInteger);

    assertThat(byString.greet("Ann")).isEqualTo("Hello, Ann");
    assertThat(byInteger.greet("Bob")).isEqualTo("hihi, Bob");
  }

  @Test
  void constructorArgumentsThatFitNoConstructorAreAConfigurationError() {
    Throwable failure =
        catchThrowable(
            () -> {
              Greeter g =
                  track(ClusterClient.of(Greeter.class).options(options(freePort()).build()).create(1.5d));
              ready(g);
            });

    assertThat(unwrap(failure))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining(Greeter.class.getName())
        .hasMessageContaining("Double");
  }

  @Test
  void constructorArgumentsForAnInterfaceAreAConfigurationError() {
    Throwable failure =
        catchThrowable(
            () -> {
              Counter c =
                  track(ClusterClient.of(Counter.class).options(options(freePort()).build()).create("x"));
              ready(c);
            });

    assertThat(unwrap(failure))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining(Counter.class.getName());
  }

  @Test
  void createWithConstructorArgumentsThatFitNoConstructorThrowsAtOnce() {
    ClusterClientBuilder<Greeter> greeter =
        ClusterClient.of(Greeter.class).options(options(freePort()).build());
    ClusterClientBuilder<Counter> counter =
        ClusterClient.of(Counter.class).options(options(freePort()).name(name + "-i").build());

    assertThatThrownBy(() -> track(greeter.create(1.5d)))
        .isInstanceOf(ClusterConfigurationException.class);
    assertThatThrownBy(() -> track(counter.create("x")))
        .isInstanceOf(ClusterConfigurationException.class);
  }

  @Test
  void aFailedRealClientLeavesNothingBehindOnThePort() throws Exception {
    int port = freePort();
    Greeter broken =
        ClusterClient.of(Greeter.class)
            .options(options(port).build())
            .create(
                () -> {
                  throw new IllegalStateException("upstream is down");
                });
    assertThat(readyFailure(broken)).isInstanceOf(ClusterException.class);
    ClusterClient.handle(broken).close();

    Greeter fixed =
        track(ClusterClient.of(Greeter.class).options(options(port).build()).create("Hello"));
    ready(fixed);

    assertThat(ClusterClient.handle(fixed).role()).isEqualTo(Role.LEADER);
    assertThat(fixed.greet("Ann")).isEqualTo("Hello, Ann");
  }

  // ---- what the proxy answers by itself ----

  @Test
  void anOverriddenMethodReturnsItsValueWithoutCallingTheRealClient() throws Exception {
    RealCounter real = new RealCounter();
    Counter counter =
        track(
            ClusterClient.of(Counter.class)
                .override("fixed", "constant")
                .options(options(freePort()).build())
                .create(factory(real)));
    ready(counter);

    assertThat(counter.fixed()).isEqualTo("constant");
    assertThat(real.untouchable).hasValue(0);
  }

  @Test
  void aMethodThatIsNotDelegatedThrowsNotDelegatedExceptionEvenOnTheLeader() throws Exception {
    RealCounter real = new RealCounter();
    Counter counter = counter(options(freePort()).build(), factory(real));
    ready(counter);
    assertThat(ClusterClient.handle(counter).isLeader()).isTrue();

    assertThatThrownBy(counter::local)
        .isInstanceOf(NotDelegatedException.class)
        .hasMessageContaining("local");
    assertThat(real.untouchable).hasValue(0);
  }

  @Test
  void toStringEqualsAndHashCodeOfAnInterfaceProxyWorkWithoutTheRealClient() throws Exception {
    RealCounter real = new RealCounter();
    Counter counter = counter(options(freePort()).build(), factory(real));
    Counter twin = counter(options(freePort()).name(name + "-twin").build(), factory(real));

    assertThat(counter.toString()).contains(name);
    assertThat(counter).isEqualTo(counter).isNotEqualTo(twin);
    assertThat(counter.hashCode()).isEqualTo(System.identityHashCode(counter));
  }

  @Test
  void toStringEqualsAndHashCodeOfAClassProxyWorkEvenWhenTheClassOverridesThem() throws Exception {
    Described described =
        track(
            ClusterClient.of(Described.class)
                .options(options(freePort()).build())
                .create(Described::new));
    ready(described);

    assertThatCode(described::toString).doesNotThrowAnyException();
    assertThatCode(described::hashCode).doesNotThrowAnyException();
    assertThat(described.equals(described)).isTrue();
    assertThat(described.describe()).isEqualTo("real");
  }

  // ---- asynchronous results ----

  @Test
  void anAsyncResultCompletesOnAWorkerThreadNeverOnAnIoThread() throws Exception {
    RealCounter real = new RealCounter();
    Counter counter = counter(options(freePort()).build(), factory(real));
    ready(counter);

    CompletableFuture<String> upstream = new CompletableFuture<>();
    real.nextLater = upstream;
    CompletableFuture<String> result = counter.later("x");
    CompletableFuture<String> thread = result.thenApply(v -> Thread.currentThread().getName());
    assertThat(result).as("the upstream has not answered yet").isNotDone();
    upstream.complete("done");

    // Wait on the dependent stage only: a thread that waits on `result` itself may run its pending
    // dependents (CompletableFuture lets any completion method help), which would blur the check.
    assertThat(thread.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .doesNotStartWith("cluster-client-io")
        .startsWith("cluster-client-worker");
    assertThat(result.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("done");
  }

  @Test
  void aFailedAsyncResultCompletesOnAWorkerThreadNeverOnAnIoThread() throws Exception {
    RealCounter real = new RealCounter();
    Counter counter = counter(options(freePort()).build(), factory(real));
    ready(counter);

    CompletableFuture<String> upstream = new CompletableFuture<>();
    real.nextLater = upstream;
    CompletableFuture<String> result = counter.later("x");
    CompletableFuture<String> thread =
        result.handle((v, e) -> Thread.currentThread().getName() + " " + Objects.toString(e));
    assertThat(result).as("the upstream has not answered yet").isNotDone();
    IllegalStateException boom = new IllegalStateException("upstream failed");
    upstream.completeExceptionally(boom);

    assertThat(thread.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .doesNotStartWith("cluster-client-io")
        .startsWith("cluster-client-worker")
        .contains("upstream failed");
    assertThat(result)
        .failsWithin(Duration.ofSeconds(WAIT_SECONDS))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .as("as a follower's caller would get it, with the real client's exception as its cause")
        .isInstanceOf(RemoteInvocationException.class)
        .havingCause()
        .isSameAs(boom);
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof ExecutionException || t instanceof CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @Test
  void aPortHeldByAnotherProgramFailsReadyWithinConnectTimeoutNamingThePort() throws Exception {
    com.sun.net.httpserver.HttpServer http =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getByName("127.0.0.1"), 0), 0);
    http.start();
    try {
      int port = http.getAddress().getPort();
      Greeter greeter =
          track(
              ClusterClient.of(Greeter.class)
                  .options(
                      options(port)
                          .connectTimeout(java.time.Duration.ofMillis(800))
                          .maxWaitTime(java.time.Duration.ofSeconds(20))
                          .build())
                  .create(() -> new Greeter("unused")));
      Throwable failure = readyFailure(greeter);
      assertThat(failure).isInstanceOf(ClusterException.class);
      assertThat(failure.getMessage())
          .contains("127.0.0.1:" + port)
          .contains("another program")
          // The port was set in code: the environment variable could not change it.
          .contains("where the application sets it")
          .doesNotContain("CLUSTER_CLIENT_PORT");
    } finally {
      http.stop(0);
    }
  }
}
