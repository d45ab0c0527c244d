package io.clusterclient.test;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.RealClientFactory;
import io.clusterclient.Role;
import io.clusterclient.internal.runtime.DefaultRuntime;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A leader and followers of one shared client, for tests: a JUnit 5 extension that starts them
 * before the tests and closes them after, with helpers to kill or stop the leader and wait for the
 * next one. Each member stands for one process: by default every member runs in the test's JVM on a
 * {@link ClusterRuntime} of its own, meeting the others over the loopback exactly as processes do,
 * so a failover test takes milliseconds, not JVM start-ups. Members in child JVMs can be added for
 * tests that need real processes (a real SIGKILL or SIGTERM).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ClusterFixture<Greeter> cluster =
 *     ClusterFixture.of(Greeter.class).realClient(RealGreeter::new).members(3).build();
 *
 * @Test
 * void callsSurviveTheLeader() {
 *   Greeter greeter = cluster.follower().client();
 *   assertEquals("hello, world", greeter.greet("world"));
 *   cluster.killLeader();                  // as SIGKILL would: no handover
 *   cluster.awaitLeader();                 // a survivor leads, the rest follow it
 *   assertEquals("hello, world", greeter.greet("world"));
 * }
 * }</pre>
 *
 * <p>Registered in a static field, the members live for the whole test class; in an instance field,
 * for each test. Member 1 leads at the start. Every fixture elects on a free port of its own, in a
 * run directory of its own (a new temporary directory, deleted at the end), so fixtures never meet
 * each other nor the host's real clients. Members are closed at the end, followers first.
 *
 * <p>Thread-safe.
 *
 * @param <T> the shared client's type
 */
public final class ClusterFixture<T>
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, AutoCloseable {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final Class<T> type;
  private final RealClientFactory<? extends T> factory;
  private final int inJvm;
  private final int inChildJvms;
  private final String childFactory;
  private final UnaryOperator<ClusterOptions.Builder> customizer;
  private final Duration timeout;
  private final List<Member> members = new CopyOnWriteArrayList<>();

  // Guarded by this.
  private boolean started;
  private boolean perClass;
  private ClusterOptions options;
  private Path runDir;

  private ClusterFixture(Builder<T> b) {
    this.type = b.type;
    this.factory = b.factory;
    this.inJvm = b.members;
    this.inChildJvms = b.childJvms;
    this.childFactory = b.childFactory;
    this.customizer = b.options;
    this.timeout = b.timeout;
  }

  /**
   * Starts describing a fixture for a client type.
   *
   * @param type the shared client's interface or class, as given to {@link ClusterClient#of(Class)}
   * @param <T> the client's type
   * @return a new builder
   */
  public static <T> Builder<T> of(Class<T> type) {
    return new Builder<>(Objects.requireNonNull(type, "type"));
  }

  // ---- JUnit ----

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
    synchronized (this) {
      perClass = true;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    synchronized (this) {
      if (perClass) {
        return;
      }
    }
    close();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  // ---- the members ----

  /**
   * Starts the members, if not started yet: member 1 first, until it leads, then the others, until
   * each one leads or follows. The extension calls it; call it yourself when you use the fixture
   * without JUnit (then {@link #close()} it).
   *
   * @throws AssertionError when the members do not settle within the fixture's timeout
   */
  public void start() {
    synchronized (this) {
      if (started) {
        return;
      }
      started = true;
      try {
        runDir = Files.createTempDirectory("cluster-fixture-"); // owner-only, as a run directory must be
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the fixture's run directory", e);
      }
      ClusterOptions.Builder defaults =
          ClusterOptions.builder().port(freePort()).runDir(runDir).name(type.getSimpleName());
      options = customizer.apply(defaults).build();
    }
    if (inJvm > 0) {
      Member first = joinHere();
      awaitReady(first);
    }
    for (int i = 1; i < inJvm; i++) {
      join();
    }
    for (int i = 0; i < inChildJvms; i++) {
      joinInChildJvm();
    }
    awaitLeader();
  }

  /**
   * The options every member was created with: the fixture's port and run directory, and what the
   * builder's {@link Builder#options(UnaryOperator)} set.
   *
   * @return the options
   * @throws IllegalStateException before {@link #start()}
   */
  public synchronized ClusterOptions options() {
    if (options == null) {
      throw new IllegalStateException("the fixture has not started: register it with @RegisterExtension,"
          + " or call start()");
    }
    return options;
  }

  /**
   * Every member that joined, dead or alive, in the order they joined.
   *
   * @return a snapshot of the members
   */
  public List<ClusterMember<T>> members() {
    return List.copyOf(members);
  }

  /**
   * Waits until exactly one live member leads and every other live member follows, and returns the
   * leader. Killed and stopped members are not counted.
   *
   * @return the member that leads
   * @throws AssertionError naming each member's role, when that does not happen within the fixture's
   *     timeout
   */
  public ClusterMember<T> awaitLeader() {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Member leader = null;
      boolean settled = true;
      for (Member m : members) {
        if (!m.isAlive()) {
          continue;
        }
        Role role = m.role();
        if (role == Role.LEADER && leader == null) {
          leader = m;
        } else if (role != Role.FOLLOWER) {
          settled = false;
        }
      }
      if (settled && leader != null) {
        return leader;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the members of the '" + name() + "' fixture did not settle"
            + " on one leader within " + timeout.toMillis() + " ms: " + describe());
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /**
   * Waits for the leader, then returns a live member in the test's JVM that follows it.
   *
   * @return a following member whose client can be called
   * @throws AssertionError when no member in the test's JVM follows (for example, when only one is
   *     alive)
   */
  public ClusterMember<T> follower() {
    awaitLeader();
    for (Member m : members) {
      if (m.isAlive() && m.inThisJvm() && m.role() == Role.FOLLOWER) {
        return m;
      }
    }
    throw new AssertionError("no member of the test's JVM follows: " + describe()
        + "; add members with members(n) or join()");
  }

  /**
   * Kills the member that leads, as SIGKILL would: no handover. Returns at once; use {@link
   * #awaitLeader()} to wait for the next one.
   *
   * @return the member that was killed
   */
  public ClusterMember<T> killLeader() {
    ClusterMember<T> leader = awaitLeader();
    leader.kill();
    return leader;
  }

  /**
   * Stops the member that leads gracefully: it hands over to a follower. Returns once it has ended;
   * use {@link #awaitLeader()} to wait for the next leader to be settled.
   *
   * @return the member that was stopped
   */
  public ClusterMember<T> stopLeader() {
    ClusterMember<T> leader = awaitLeader();
    leader.stop();
    return leader;
  }

  /**
   * Adds a member in the test's JVM, as a new process of the host would start. It follows (or leads,
   * when nobody else is alive); this method does not wait for that.
   *
   * @return the new member
   */
  public ClusterMember<T> join() {
    return joinHere();
  }

  private Member joinHere() {
    int n = members.size() + 1;
    String name = "member-" + n;
    ClusterRuntime runtime = ClusterRuntime.builder().name(name).build();
    if (!(runtime instanceof DefaultRuntime)) {
      runtime.close();
      throw new ClusterConfigurationException("the fixture needs cluster-client-core's runtime, but "
          + runtime.getClass().getName() + " was provided; put cluster-client-core on the test classpath");
    }
    List<Object> reals = new CopyOnWriteArrayList<>();
    RealClientFactory<T> recording = () -> {
      T real = factory.create();
      reals.add(real);
      return real;
    };
    T client;
    try {
      client = ClusterClient.of(type).runtime(runtime).options(options()).create(recording);
    } catch (RuntimeException e) {
      runtime.close();
      throw e;
    }
    Member m = new InJvmMember(name, (DefaultRuntime) runtime, client, reals);
    members.add(m);
    return m;
  }

  /**
   * Adds a member in a child JVM with the test's classpath, as a new process of the host would start.
   * The fixture must have been built with {@link Builder#childJvms(int, Class)}.
   *
   * @return the new member, whose child JVM has started
   * @throws IllegalStateException when the fixture has no factory for child JVMs
   */
  public ClusterMember<T> joinInChildJvm() {
    if (childFactory == null) {
      throw new IllegalStateException("the fixture has no real client factory for child JVMs: build it with"
          + " childJvms(n, YourFactory.class)");
    }
    int n = members.size() + 1;
    String name = "member-" + n;
    ClusterOptions o = options();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Dclusterclient.name=" + name());
    cmd.add("-Dclusterclient.port=" + o.port());
    cmd.add("-Dclusterclient.runDir=" + o.runDir().orElseThrow());
    cmd.add("-Dclusterclient.transport=" + o.transport().name().toLowerCase(java.util.Locale.ROOT));
    cmd.add("-Dclusterclient.allowUnauthenticated=" + o.allowUnauthenticated());
    cmd.add("-Dclusterclient.heartbeatInterval=" + o.heartbeatInterval().toMillis());
    cmd.add("-Dclusterclient.responseTimeout=" + o.responseTimeout().toMillis());
    cmd.add("-Dclusterclient.maxWaitTime=" + o.maxWaitTime().toMillis());
    cmd.add("-Dclusterclient.handoverTimeout=" + o.handoverTimeout().toMillis());
    cmd.add("-Dclusterclient.closeOnShutdown=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(FixtureChild.class.getName());
    cmd.add(type.getName());
    cmd.add(childFactory);
    Path log = runDirectory().resolve(name + ".log");
    Process process;
    try {
      process = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the child JVM of " + name, e);
    }
    ChildMember m = new ChildMember(name, process, log);
    members.add(m);
    return m;
  }

  /**
   * Closes every live member, followers first, then deletes the run directory. Idempotent.
   */
  @Override
  public void close() {
    Path dir;
    synchronized (this) {
      if (!started) {
        return;
      }
      started = false;
      perClass = false;
      options = null;
      dir = runDir;
    }
    List<Member> alive = new ArrayList<>();
    for (Member m : members) {
      if (m.isAlive()) {
        alive.add(m);
      }
    }
    alive.sort(Comparator.comparing(m -> m.role() == Role.LEADER)); // followers first
    for (Member m : alive) {
      m.stop();
    }
    for (Member m : members) {
      if (m instanceof ClusterFixture<?>.InJvmMember in) {
        in.closeLeftovers();
      }
    }
    members.clear();
    deleteQuietly(dir);
  }

  /** The client's name, which every member shares. */
  private String name() {
    return options().name().orElse(type.getSimpleName());
  }

  private synchronized Path runDirectory() {
    return runDir;
  }

  private String describe() {
    return members.stream()
        .map(m -> m.name() + " " + (m.isAlive() ? m.role() : "ended")
            + (m instanceof ChildMember c ? " (child JVM, pid " + c.process.pid() + ", log " + c.log + ")" : ""))
        .collect(Collectors.joining(", "));
  }

  private void awaitReady(Member m) {
    try {
      m.handle().ready().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while " + m.name() + " started", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(m.name() + " of the '" + name() + "' fixture was not ready within "
          + timeout.toMillis() + " ms: " + (e.getCause() == null ? e : e.getCause()), e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on the loopback", e);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temporary directory: the system cleans it up eventually
    }
  }

  private abstract class Member implements ClusterMember<T> {
    final String name;

    Member(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String toString() {
      return name + " " + (isAlive() ? role() : "ended");
    }
  }

  private final class InJvmMember extends Member {
    final DefaultRuntime runtime;
    final T client;
    /** The real clients this member created while it led; a killed member leaves them open. */
    final List<Object> reals;
    volatile boolean alive = true;
    volatile boolean killed;

    InJvmMember(String name, DefaultRuntime runtime, T client, List<Object> reals) {
      super(name);
      this.runtime = runtime;
      this.client = client;
      this.reals = reals;
    }

    /** At the fixture's end: what a crash left open would outlive the test otherwise. */
    void closeLeftovers() {
      if (!killed) {
        return; // closed with its runtime
      }
      for (Object real : reals) {
        if (real instanceof AutoCloseable c) {
          try {
            c.close();
          } catch (Exception e) {
            // it was left by a crash: closing is a courtesy
          }
        }
      }
    }

    @Override
    public boolean inThisJvm() {
      return true;
    }

    @Override
    public T client() {
      return client;
    }

    @Override
    public ClusterHandle handle() {
      return ClusterClient.handle(client);
    }

    @Override
    public Role role() {
      return alive ? handle().role() : Role.CLOSED;
    }

    @Override
    public boolean isAlive() {
      return alive;
    }

    @Override
    public void kill() {
      alive = false;
      killed = true;
      runtime.halt();
    }

    @Override
    public void stop() {
      alive = false;
      runtime.close();
    }
  }

  private final class ChildMember extends Member {
    final Process process;
    final Path log;
    volatile Role role = Role.ELECTING;
    volatile boolean alive = true;

    ChildMember(String name, Process process, Path log) {
      super(name);
      this.process = process;
      this.log = log;
      Thread reader = new Thread(this::readRoles, "cluster-fixture-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    private void readRoles() {
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.startsWith(FixtureChild.ROLE)) {
            role = Role.valueOf(line.substring(FixtureChild.ROLE.length()).trim());
          }
        }
      } catch (IOException | IllegalArgumentException e) {
        // the child ended; its log says why
      }
      role = Role.CLOSED;
    }

    @Override
    public boolean inThisJvm() {
      return false;
    }

    @Override
    public T client() {
      throw new UnsupportedOperationException(name + " runs in a child JVM (pid " + process.pid()
          + "): call through a member of the test's JVM");
    }

    @Override
    public ClusterHandle handle() {
      throw new UnsupportedOperationException(name + " runs in a child JVM (pid " + process.pid()
          + "): ask a member of the test's JVM, whose handle().leader() names the leader's pid");
    }

    @Override
    public Role role() {
      return alive && process.isAlive() ? role : Role.CLOSED;
    }

    @Override
    public boolean isAlive() {
      return alive && process.isAlive();
    }

    @Override
    public void kill() {
      alive = false;
      process.destroyForcibly();
    }

    @Override
    public void stop() {
      alive = false;
      process.destroy(); // SIGTERM: the child's shutdown hook closes its client, and a leader hands over
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * How a fixture is made. Not thread-safe.
   *
   * @param <T> the shared client's type
   */
  public static final class Builder<T> {
    private final Class<T> type;
    private RealClientFactory<? extends T> factory;
    private int members = 3;
    private int childJvms;
    private String childFactory;
    private UnaryOperator<ClusterOptions.Builder> options = UnaryOperator.identity();
    private Duration timeout = Duration.ofSeconds(30);

    private Builder(Class<T> type) {
      this.type = type;
    }

    /**
     * How each member of the test's JVM creates the real client when it leads. Required when any
     * member runs in the test's JVM.
     *
     * @param factory creates a real client
     * @return this builder
     */
    public Builder<T> realClient(RealClientFactory<? extends T> factory) {
      this.factory = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * How many members run in the test's JVM at the start; 3 by default (a leader and two
     * followers). Member 1 leads.
     *
     * @param members zero or more
     * @return this builder
     */
    public Builder<T> members(int members) {
      if (members < 0) {
        throw new IllegalArgumentException("members must be zero or more, not " + members);
      }
      this.members = members;
      return this;
    }

    /**
     * Adds members in child JVMs, started with the test's classpath after the members of the test's
     * JVM. Each creates its real client with a new instance of {@code factory}, which must be a public
     * class with a public no-argument constructor. They take the fixture's name, port, run directory,
     * transport, timeouts and {@code allowUnauthenticated}; a codec or executor set in {@link
     * #options(UnaryOperator)} does not reach them.
     *
     * @param count how many
     * @param factory the real client factory each child instantiates
     * @return this builder
     */
    public Builder<T> childJvms(int count, Class<? extends RealClientFactory<?>> factory) {
      if (count < 0) {
        throw new IllegalArgumentException("childJvms must be zero or more, not " + count);
      }
      try {
        factory.getConstructor();
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException(factory.getName() + " has no public no-argument constructor, which"
            + " a child JVM needs to create the real client: add one", e);
      }
      this.childJvms = count;
      this.childFactory = factory.getName();
      return this;
    }

    /**
     * Adjusts the members' options. The fixture first sets a free port, a new run directory and the
     * type's simple name as the client's name; what this function sets wins.
     *
     * @param options changes the builder and returns it
     * @return this builder
     */
    public Builder<T> options(UnaryOperator<ClusterOptions.Builder> options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * How long the fixture waits for members to start or settle; 30 s by default.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder<T> timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, not " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Creates the fixture; nothing starts until JUnit (or {@link ClusterFixture#start()}) starts it.
     *
     * @return the fixture
     * @throws IllegalStateException when members run in the test's JVM but no real client was given
     */
    public ClusterFixture<T> build() {
      if (members > 0 && factory == null) {
        throw new IllegalStateException("the fixture's members need a real client: call realClient(...)");
      }
      if (members + childJvms == 0) {
        throw new IllegalStateException("the fixture has no member: call members(n) or childJvms(n, ...)");
      }
      return new ClusterFixture<>(this);
    }
  }
}
