package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.clusterclient.it.Ports;
import io.clusterclient.jackson.JacksonCodec;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Code that works in one process works in all: the same calls, made in the leader's own process
 * and in a follower's (each on a runtime of its own, meeting over the loopback as processes do),
 * give equal results and the same exceptions. Common Java types (Optional, java.time, records,
 * sealed hierarchies) travel with the default codec, and a type that cannot be read back fails at
 * create.
 */
@Timeout(60)
class LeaderFollowerParityTest {
  public record Point(int x, int y, List<String> tags) {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
  @JsonSubTypes({@JsonSubTypes.Type(value = Circle.class, name = "circle"),
      @JsonSubTypes.Type(value = Square.class, name = "square")})
  public sealed interface Shape permits Circle, Square {}

  public record Circle(double radius) implements Shape {}

  public record Square(double side) implements Shape {}

  /** Jackson cannot write it: no getters, no public fields. */
  public static final class NoGetters {
    @SuppressWarnings("unused")
    private final int hidden = 1;
  }

  /** Jackson cannot write it: it refers to itself. */
  public static final class Loop {
    public Loop next = this;
  }

  public interface Shapes {
    @Delegate
    Optional<String> maybe(String s);

    @Delegate
    Instant later(Instant at, Duration by);

    @Delegate
    LocalDate nextDay(LocalDate day);

    @Delegate
    Point move(Point p);

    @Delegate
    Shape bigger(Shape s);

    @Delegate
    Object echo(Object value);

    @Delegate
    String describe(NoGetters value);

    @Delegate
    String follow(Loop loop);

    @Delegate
    Object unwritableResult();

    @Delegate
    List<String> items();

    @Delegate
    String failUnchecked(String why);

    @Delegate
    String failChecked(String why) throws IOException;

    CompletableFuture<Optional<Instant>> whenAsync(Instant at);

    @Delegate
    String slow(long millis) throws InterruptedException;

    @Delegate
    String failNotFound(String path) throws IOException;

    @Delegate(DelegateType.INVOKE_ONEWAY)
    void fire(NoGetters value);
  }

  /** The real client; the same one behind each role. */
  static final class RealShapes implements Shapes {
    final List<String> items = new ArrayList<>(List.of("a", "b"));

    @Override
    public Optional<String> maybe(String s) {
      return s.isEmpty() ? Optional.empty() : Optional.of(s + "!");
    }

    @Override
    public Instant later(Instant at, Duration by) {
      return at.plus(by);
    }

    @Override
    public LocalDate nextDay(LocalDate day) {
      return day.plusDays(1);
    }

    @Override
    public Point move(Point p) {
      return new Point(p.x() + 1, p.y() + 1, p.tags());
    }

    @Override
    public Shape bigger(Shape s) {
      return s instanceof Circle c ? new Circle(c.radius() * 2) : new Square(((Square) s).side() * 2);
    }

    @Override
    public Object echo(Object value) {
      return value;
    }

    @Override
    public String describe(NoGetters value) {
      return "described";
    }

    @Override
    public String follow(Loop loop) {
      return "followed";
    }

    @Override
    public Object unwritableResult() {
      return new NoGetters();
    }

    @Override
    public List<String> items() {
      return items;
    }

    @Override
    public String failUnchecked(String why) {
      throw new IllegalStateException(why);
    }

    @Override
    public String failChecked(String why) throws IOException {
      throw new IOException(why);
    }

    @Override
    public CompletableFuture<Optional<Instant>> whenAsync(Instant at) {
      return CompletableFuture.completedFuture(Optional.of(at));
    }

    @Override
    public String failNotFound(String path) throws IOException {
      throw new java.io.FileNotFoundException(path);
    }

    @Override
    public void fire(NoGetters value) {}

    @Override
    public String slow(long millis) throws InterruptedException {
      Thread.sleep(millis);
      return "done";
    }
  }

  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(2);
  private final List<ClusterRuntime> runtimes = new ArrayList<>();
  private final RealShapes real = new RealShapes();
  private Shapes leader;
  private Shapes follower;

  @BeforeEach
  void startLeaderAndFollower() throws Exception {
    int port = Ports.free();
    leader = shapes(port);
    ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
    follower = shapes(port);
    ClusterClient.handle(follower).ready().get(20, TimeUnit.SECONDS);
    assertThat(ClusterClient.handle(leader).role()).isEqualTo(Role.LEADER);
    assertThat(ClusterClient.handle(follower).role()).isEqualTo(Role.FOLLOWER);
  }

  private Shapes shapes(int port) {
    ClusterRuntime runtime = ClusterRuntime.builder().name("r" + runtimes.size()).build();
    runtimes.add(runtime);
    return ClusterClient.of(Shapes.class)
        .runtime(runtime)
        .options(ClusterOptions.builder().name("shapes").port(port).responseTimeout(RESPONSE_TIMEOUT).build())
        .create(() -> real);
  }

  /** A single-mode client on a runtime of its own, ready. */
  private <T> T single(Class<T> type, String name, boolean codecOnLeader, RealClientFactory<T> factory)
      throws Exception {
    ClusterRuntime runtime = ClusterRuntime.builder().name(name).build();
    runtimes.add(runtime);
    T client =
        ClusterClient.of(type)
            .runtime(runtime)
            .options(ClusterOptions.builder().name(name).singleMode(true).codecOnLeader(codecOnLeader).build())
            .create(factory);
    ClusterClient.handle(client).ready().get(20, TimeUnit.SECONDS);
    return client;
  }

  @AfterEach
  void closeRuntimes() {
    runtimes.forEach(ClusterRuntime::close);
  }

  /** What a call gave: a value, or an exception reduced to what a caller can rely on. */
  private record Outcome(Object value, Class<?> thrown, String detail) {}

  private interface Call {
    Object on(Shapes shapes) throws Exception;
  }

  private static Outcome outcome(Shapes shapes, Call call) {
    try {
      return new Outcome(call.on(shapes), null, null);
    } catch (Exception e) {
      Throwable t = e instanceof ExecutionException ? e.getCause() : e;
      String detail =
          t instanceof RemoteInvocationException r
              ? r.remoteClassName() + ": " + r.remoteMessage()
              : t instanceof ClusterCodecException
                  ? t.getMessage().replaceAll(".*(cannot (encode|read) [a-z ]+).*", "$1")
                  : t.getMessage();
      return new Outcome(null, t.getClass(), detail);
    }
  }

  /** Runs the call in both roles, checks they agree, and returns what they gave. */
  private Outcome same(Call call) {
    Outcome onLeader = outcome(leader, call);
    Outcome onFollower = outcome(follower, call);
    assertThat(onLeader).as("in the leader's process, as in a follower's").isEqualTo(onFollower);
    return onLeader;
  }

  @Test
  void commonJavaTypesGiveEqualResultsInBothRoles() {
    assertThat(same(s -> s.maybe("x")).value()).isEqualTo(Optional.of("x!"));
    assertThat(same(s -> s.maybe("")).value()).isEqualTo(Optional.empty());
    Instant at = Instant.parse("2026-11-30T10:15:30.123456789Z");
    assertThat(same(s -> s.later(at, Duration.ofMinutes(90))).value())
        .isEqualTo(at.plus(Duration.ofMinutes(90)));
    assertThat(same(s -> s.nextDay(LocalDate.of(2026, 2, 28))).value()).isEqualTo(LocalDate.of(2026, 3, 1));
    assertThat(same(s -> s.move(new Point(1, 2, List.of("t")))).value()).isEqualTo(new Point(2, 3, List.of("t")));
    assertThat(same(s -> s.bigger(new Circle(1.5))).value()).isEqualTo(new Circle(3.0));
    assertThat(same(s -> s.bigger(new Square(2))).value()).isEqualTo(new Square(4));
    assertThat(same(s -> s.whenAsync(at).get(10, TimeUnit.SECONDS)).value()).isEqualTo(Optional.of(at));
  }

  @Test
  void valuesDeclaredObjectComeBackAsJsonShapesInBothRoles() {
    // A follower's leader reads a number declared Object as the smallest fitting type; so does
    // the leader's own call, rather than handing back the caller's Long.
    assertThat(same(s -> s.echo(5L)).value()).isEqualTo(5);
    assertThat(same(s -> s.echo(new Point(1, 2, List.of()))).value())
        .isEqualTo(Map.of("x", 1, "y", 2, "tags", List.of()));
  }

  @Test
  void callersGetCopiesNotTheRealClientsObjects() throws Exception {
    List<String> got = leader.items();
    assertThat(got).isEqualTo(real.items).isNotSameAs(real.items);
    got.add("changed by the caller");
    assertThat(real.items).containsExactly("a", "b");
    assertThat(same(Shapes::items).value()).isEqualTo(List.of("a", "b"));
  }

  @Test
  void anArgumentTheCodecCannotWriteFailsAliveInBothRoles() {
    Outcome empty = same(s -> s.describe(new NoGetters()));
    assertThat(empty.thrown()).isEqualTo(ClusterCodecException.class);
    assertThat(empty.detail()).isEqualTo("cannot encode the arguments of ");
    Outcome cycle = same(s -> s.follow(new Loop()));
    assertThat(cycle.thrown()).isEqualTo(ClusterCodecException.class);
    // A oneway call too: its caller hears it at once, in both roles.
    Outcome oneway = same(s -> {
      s.fire(new NoGetters());
      return null;
    });
    assertThat(oneway.thrown()).isEqualTo(ClusterCodecException.class);
    // The connection survived: the next call works.
    assertThat(follower.maybe("still")).contains("still!");
  }

  @Test
  void aResultTheCodecCannotWriteFailsAliveInBothRoles() {
    Outcome result = same(Shapes::unwritableResult);
    assertThat(result.thrown()).isEqualTo(ClusterCodecException.class);
    assertThat(result.detail()).isEqualTo("cannot encode the result of ");
    assertThat(follower.maybe("still")).contains("still!");
  }

  @Test
  void whatTheRealClientThrowsArrivesAlikeInBothRoles() {
    Outcome unchecked = same(s -> s.failUnchecked("boom"));
    assertThat(unchecked.thrown()).isEqualTo(RemoteInvocationException.class);
    assertThat(unchecked.detail()).isEqualTo("java.lang.IllegalStateException: boom");
    Outcome checked = same(s -> s.failChecked("disk"));
    assertThat(checked.thrown()).isEqualTo(IOException.class);
    assertThat(checked.detail()).isEqualTo("disk");
    // A subclass of the declared type: a follower rebuilds the declared type; so does the leader.
    Outcome subclass = same(s -> s.failNotFound("/nowhere"));
    assertThat(subclass.thrown()).isEqualTo(IOException.class);
    assertThat(subclass.detail()).isEqualTo("/nowhere");
  }

  /**
   * The one difference that remains, documented in README: responseTimeout bounds how long a
   * follower's caller waits for the leader; the leader's own call runs on its caller's thread, in
   * the real client, and is not abandoned halfway.
   */
  @Test
  void responseTimeoutBoundsAFollowersWaitButNotTheLeadersOwnCall() throws Exception {
    long millis = RESPONSE_TIMEOUT.toMillis() + 300;
    assertThatThrownBy(() -> follower.slow(millis)).isInstanceOf(ClusterTimeoutException.class);
    assertThat(leader.slow(millis)).isEqualTo("done");
  }

  @Test
  void theLeaderKeepsTheRealClientsExceptionAsTheCause() {
    assertThatThrownBy(() -> leader.failUnchecked("boom"))
        .isInstanceOf(RemoteInvocationException.class)
        .hasMessageContaining("failed on the leader (this process")
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("boom");
  }

  @Test
  void withoutCodecOnLeaderTheLeadersCallsSkipTheCopies() throws Exception {
    Shapes single = single(Shapes.class, "fast", false, () -> real);
    assertThat(single.items()).isSameAs(real.items);
    assertThat(single.echo(5L)).isEqualTo(5L);
    assertThatThrownBy(() -> single.failUnchecked("raw")).isExactlyInstanceOf(IllegalStateException.class);
  }

  @Test
  void singleModeBehavesAsAFollowerToo() throws Exception {
    Shapes single = single(Shapes.class, "single", true, () -> real);
    assertThat(outcome(single, s -> s.echo(5L))).isEqualTo(outcome(follower, s -> s.echo(5L)));
    assertThat(outcome(single, s -> s.describe(new NoGetters())))
        .isEqualTo(outcome(follower, s -> s.describe(new NoGetters())));
    assertThat(outcome(single, s -> s.failUnchecked("x"))).isEqualTo(outcome(follower, s -> s.failUnchecked("x")));
  }

  // ---- types that cannot be read back fail at create ----

  /** An interface Jackson cannot create: no type information names a concrete class. */
  public interface Untyped {
    String name();
  }

  /** A class Jackson cannot create: its only constructor takes unnamed arguments. */
  public static final class NoCreator {
    private final String a;

    private NoCreator(String a, String b) {
      this.a = a + b;
    }

    public String getA() {
      return a;
    }
  }

  public interface ReturnsUntyped {
    @Delegate
    Untyped get();
  }

  public interface TakesListOfNoCreator {
    @Delegate
    void put(String key, List<NoCreator> values);
  }

  /** A record whose component cannot be read back: found by looking inside it. */
  public record Holder(String name, List<Untyped> items) {}

  public interface ReturnsHolder {
    @Delegate
    Holder get();
  }

  /** Not values at all: a task to run, fine where nothing ever travels. */
  public interface Runner {
    @Delegate
    void run(Runnable task);
  }

  @Test
  void aTypeThatCannotBeReadBackFailsAtCreateNamingTheMethodAndTheFix() {
    assertThatThrownBy(
            () -> ClusterClient.of(ReturnsUntyped.class)
                .options(ClusterOptions.builder().singleMode(true).build())
                .create(() -> () -> () -> "x"))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("the result of ReturnsUntyped.get()")
        .hasMessageContaining("Untyped")
        .hasMessageContaining("@JsonTypeInfo");
    assertThatThrownBy(
            () -> ClusterClient.of(TakesListOfNoCreator.class)
                .options(ClusterOptions.builder().singleMode(true).build())
                .create(() -> (k, v) -> {}))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("parameter 2 of TakesListOfNoCreator.put(String, List)")
        .hasMessageContaining("NoCreator")
        .hasMessageContaining("@JsonCreator");
    assertThatThrownBy(
            () -> ClusterClient.of(ReturnsHolder.class)
                .options(ClusterOptions.builder().singleMode(true).build())
                .create(() -> () -> new Holder("h", List.of())))
        .isInstanceOf(ClusterConfigurationException.class)
        .hasMessageContaining("the result of ReturnsHolder.get()")
        .hasMessageContaining("Untyped")
        .hasMessageContaining("inside");
  }

  @Test
  void typesAreNotCheckedWhereNoValueEverTravels() throws Exception {
    Runner runner = single(Runner.class, "runner", false, () -> Runnable::run);
    java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
    runner.run(() -> ran.set(true));
    assertThat(ran).isTrue();
  }

  @Test
  void aCodecOfOnesOwnStartsFromTheDefaultsAndRefusesDefaultTyping() {
    ClusterCodec custom =
        JacksonCodec.customized(b -> b.propertyNamingStrategy(
            com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      custom.encode(new Point(1, 2, List.of()), Point.class, out);
      custom.encode(Optional.of(Instant.EPOCH), Optional.class, out);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"x\":1,\"y\":2,\"tags\":[]}\"1970-01-01T00:00:00Z\"");
    com.fasterxml.jackson.databind.ObjectMapper unsafe = new com.fasterxml.jackson.databind.ObjectMapper();
    unsafe.activateDefaultTyping(unsafe.getPolymorphicTypeValidator());
    assertThatThrownBy(() -> JacksonCodec.of(unsafe))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("default typing");
  }

  @Test
  void outcomesAreComparedForReal() throws TimeoutException {
    // The comparison itself can fail: a leader and a follower whose codecs differ disagree.
    assertThat(outcome(leader, s -> s.echo(5L))).isNotEqualTo(new Outcome(5L, null, null));
  }
}
