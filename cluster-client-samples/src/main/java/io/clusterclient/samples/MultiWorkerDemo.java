package io.clusterclient.samples;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.launcher.ClusterLauncher;
import io.clusterclient.samples.registry.CuratorServiceRegistry;
import io.clusterclient.samples.registry.EmbeddedZooKeeper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Several worker JVMs share one ZooKeeper session through cluster-client, and keep their
 * registrations when the JVM that holds it is killed.
 *
 * <p>The demo (this class) starts an embedded ZooKeeper and runs N {@link DemoWorker} JVMs with a
 * {@link ClusterLauncher}, which starts them with the demo's classpath and starts again any that dies,
 * as the Node.js cluster master does. Each worker joins a {@code ProviderDirectory}, registers itself as a provider of the
 * service {@code demo} (an ephemeral node) and answers {@code GET /providers?service=demo} over HTTP.
 * Every second the launcher prints who leads, how many ZooKeeper sessions are open (one, however many
 * workers), what is registered and how many requests were served. Then it kills the leader with
 * SIGKILL and shows the rest: a new leader is elected, the killed leader's session expires and takes
 * every registration with it, the new leader's session registers the survivors again from their
 * replayed publishes, and the launcher's new JVM for the killed worker joins as a follower and
 * registers too. It exits 0 when all of that happened, 1 otherwise.
 *
 * <p>Run: {@code mvn -q install -DskipTests && mvn -q -pl cluster-client-samples exec:exec}, with
 * options in {@code -Dsample.args="..."}: {@code --quick} (3 workers, kill after 2 s, 2 s session
 * timeout), {@code --workers N}, {@code --kill-after SECONDS}, {@code --session-timeout MILLIS},
 * {@code --zk host:port} (an existing ZooKeeper instead of the embedded one; the launcher then watches
 * it through a session of its own).
 *
 * <p>Every worker is stopped when the demo ends, on failure too: followers first, then the leader, each
 * with SIGTERM (its shutdown hook closes its clients; the leader's last, with nobody to hand over
 * to); the launcher kills what does not stop, and stops every worker if the demo's JVM exits.
 */
public final class MultiWorkerDemo {
  /** The service every worker provides. */
  static final String SERVICE = "demo";

  private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
  private static final ObjectMapper JSON = new ObjectMapper();

  private MultiWorkerDemo() {}

  /**
   * What the demo saw.
   *
   * @param recovered whether everything came back after the kill
   * @param killedLeader the id of the killed leader, or null if none was killed
   * @param newLeader the id of the leader at the end, or null
   * @param electionMillis from the kill to a survivor reporting itself leader, or -1
   * @param recoveryMillis from the kill to everything back, or -1
   * @param survivors the ids of the workers alive at the end: the killed one again, in a new JVM
   * @param registered the provider ids registered in ZooKeeper at the end
   * @param zkSessions the ZooKeeper sessions open at the end (-1 when unknown: external ZooKeeper)
   * @param requestsServed the {@code /providers} requests the workers served
   * @param failedAnswers requests to live workers that got no answer, or an error, during the run
   * @param problems what did not recover; empty when {@code recovered}
   */
  public record Summary(
      boolean recovered,
      String killedLeader,
      String newLeader,
      long electionMillis,
      long recoveryMillis,
      List<String> survivors,
      List<String> registered,
      int zkSessions,
      long requestsServed,
      long failedAnswers,
      List<String> problems) {}

  /** How the demo runs, from the command line. */
  record Settings(int workers, Duration killAfter, Duration sessionTimeout, Duration tick, String zk) {
    static final String USAGE =
        "usage: MultiWorkerDemo [--quick] [--workers N] [--kill-after SECONDS] "
            + "[--session-timeout MILLIS] [--zk host:port]";

    static Settings parse(String... given) {
      // Split too: exec:exec passes -Dsample.args="--workers 6 --kill-after 5" as one argument.
      String[] args =
          Arrays.stream(given).flatMap(a -> Arrays.stream(a.trim().split("\\s+"))).toArray(String[]::new);
      int workers = 4;
      Duration killAfter = Duration.ofSeconds(8);
      Duration sessionTimeout = Duration.ofSeconds(4);
      Duration tick = Duration.ofSeconds(1);
      String zk = null;
      for (int i = 0; i < args.length; i++) {
        String a = args[i].trim();
        try {
          switch (a) {
            case "":
              break; // an empty exec argument
            case "--quick":
              workers = 3;
              killAfter = Duration.ofSeconds(2);
              sessionTimeout = Duration.ofSeconds(2);
              tick = Duration.ofMillis(500);
              break;
            case "--workers":
              workers = Integer.parseInt(args[++i]);
              break;
            case "--kill-after":
              killAfter = Duration.ofSeconds(Long.parseLong(args[++i]));
              break;
            case "--session-timeout":
              sessionTimeout = Duration.ofMillis(Long.parseLong(args[++i]));
              break;
            case "--zk":
              zk = args[++i];
              break;
            default:
              throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
          }
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
          throw new IllegalArgumentException("bad value for " + a + "; " + USAGE, e);
        }
      }
      if (workers < 2) {
        throw new IllegalArgumentException("--workers must be at least 2: one to kill, one to survive");
      }
      return new Settings(workers, killAfter, sessionTimeout, tick, zk);
    }
  }

  public static void main(String[] args) {
    Summary summary;
    try {
      summary = run(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    } catch (Throwable e) { // an Error too: ZooKeeper's threads would keep the JVM alive
      System.err.println("[demo] failed: " + e);
      e.printStackTrace();
      System.exit(1);
      return;
    }
    System.exit(summary.recovered() ? 0 : 1);
  }

  /**
   * Runs the demo; every process it started is gone when this returns or throws.
   *
   * @param args the command-line options
   * @return what the demo saw
   * @throws Exception when it could not run at all (a worker did not start, ZooKeeper did not start)
   */
  public static Summary run(String... args) throws Exception {
    Settings settings = Settings.parse(args);
    try (Demo demo = new Demo(settings)) {
      return demo.run();
    }
  }

  // ---- what the launcher sees of ZooKeeper ----

  /** ZooKeeper as seen by the launcher at one moment. */
  record ZkState(List<Long> sessions, int connections, Map<String, Long> registered) {
    boolean sessionsKnown() {
      return sessions != null;
    }
  }

  /** Reads ZooKeeper's state for the view. */
  private interface ZooKeeperView extends AutoCloseable {
    String connectString();

    ZkState state();

    @Override
    void close();
  }

  /** The embedded server, read in-process: no session of its own, every session counted. */
  private static final class EmbeddedView implements ZooKeeperView {
    private final EmbeddedZooKeeper zk;

    EmbeddedView(EmbeddedZooKeeper zk) {
      this.zk = zk;
    }

    @Override
    public String connectString() {
      return zk.connectString();
    }

    @Override
    public ZkState state() {
      return new ZkState(
          zk.sessionIds(),
          zk.aliveConnections(),
          zk.childrenWithOwners(CuratorServiceRegistry.servicePath(SERVICE)));
    }

    @Override
    public void close() {
      zk.close();
    }
  }

  /** An existing server, read through a session of the launcher's own; sessions are not counted. */
  private static final class ExternalView implements ZooKeeperView {
    private final String connectString;
    private final CuratorFramework curator;

    ExternalView(String connectString) {
      this.connectString = connectString;
      this.curator = CuratorFrameworkFactory.newClient(connectString, new ExponentialBackoffRetry(100, 3));
      curator.start();
    }

    @Override
    public String connectString() {
      return connectString;
    }

    @Override
    public ZkState state() {
      Map<String, Long> registered = new LinkedHashMap<>();
      String path = CuratorServiceRegistry.servicePath(SERVICE);
      try {
        for (String child : curator.getChildren().forPath(path).stream().sorted().toList()) {
          Stat stat = curator.checkExists().forPath(path + "/" + child);
          if (stat != null) {
            registered.put(child, stat.getEphemeralOwner());
          }
        }
      } catch (KeeperException.NoNodeException e) {
        // nothing registered yet
      } catch (Exception e) {
        throw new IllegalStateException("cannot read " + path + " from " + connectString, e);
      }
      return new ZkState(null, -1, registered);
    }

    @Override
    public void close() {
      curator.close();
    }
  }

  // ---- the workers, as the launcher sees them ----

  /** A worker's answer to {@code GET /status}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Status(String id, long pid, String role, long served) {}

  /** One worker as the demo sees it: its number, and its current JVM once that serves. */
  private static final class Worker {
    final int number;
    final String id;
    final CompletableFuture<Integer> firstServes = new CompletableFuture<>();
    /** The current JVM's HTTP port, or null while it is not serving (killed, starting again). */
    volatile Integer httpPort;
    volatile long pid = -1;
    volatile long served;
    /** From the worker's own "is now ..." lines: whether it holds the real client now. */
    volatile boolean leads;

    Worker(int number) {
      this.number = number;
      this.id = "worker-" + number;
    }

    /** A line of this worker's output: "READY ..." once a JVM serves, "... is now ROLE". */
    void heard(String line) {
      if (line.contains(" is now ")) {
        leads = line.contains(" is now LEADER");
      }
      if (line.startsWith(DemoWorker.READY)) {
        pid = Long.parseLong(field(line, "pid"));
        httpPort = Integer.parseInt(field(line, "http"));
        firstServes.complete(httpPort);
      }
    }

    long pid() {
      return pid;
    }
  }

  /** A worker's answers at one moment; null fields: no answer. */
  private record Observed(Worker worker, Status status, List<String> providers) {
    boolean isLeader() {
      return status != null && "LEADER".equals(status.role());
    }
  }

  /** One look at the workers and ZooKeeper, and what is wrong with it. */
  private record Tick(List<Observed> seen, ZkState state, List<String> problems) {
    Optional<Worker> leader() {
      List<Worker> leaders = seen.stream().filter(Observed::isLeader).map(Observed::worker).toList();
      return leaders.size() == 1 ? Optional.of(leaders.get(0)) : Optional.empty();
    }

    List<String> alive() {
      return seen.stream().map(o -> o.worker().id).sorted().toList();
    }

    Tick with(List<String> moreProblems) {
      List<String> all = new ArrayList<>(problems);
      all.addAll(moreProblems);
      return new Tick(seen, state, List.copyOf(all));
    }
  }

  private static String field(String line, String name) {
    for (String part : line.split(" ")) {
      if (part.startsWith(name + "=")) {
        return part.substring(name.length() + 1);
      }
    }
    throw new IllegalArgumentException("no " + name + "= in: " + line);
  }

  // ---- the demo ----

  private static final class Demo implements AutoCloseable {
    private final Settings settings;
    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private final HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final long startNanos = System.nanoTime();
    private ZooKeeperView zk;
    private ClusterLauncher.Launched launched;
    private long failedAnswers;
    private long killedPid = -1;

    Demo(Settings settings) {
      this.settings = settings;
    }

    Summary run() throws Exception {
      startZooKeeper();
      startWorkers();

      Tick steady = awaitSteadyState();
      if (!steady.problems().isEmpty()) {
        return summary(null, -1, -1, steady);
      }
      Worker leader = steady.leader().orElseThrow();
      say("killing the leader " + leader.id + " (pid " + leader.pid() + ") with SIGKILL; its ZooKeeper "
          + "session, and every registration in it, lives on until the session timeout ("
          + settings.sessionTimeout().toMillis() + " ms)");
      killedPid = leader.pid();
      long killedAt = System.nanoTime();
      leader.httpPort = null; // not asked until its new JVM serves
      launched.kill(leader.number);

      long electionMillis = -1;
      long deadline = killedAt + settings.sessionTimeout().toNanos() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        Tick now = tick();
        if (electionMillis < 0 && now.leader().isPresent()) {
          electionMillis = millisSince(killedAt);
          say("new leader " + now.leader().get().id + ", seen " + electionMillis + " ms after the kill");
        }
        boolean back = leader.httpPort != null && leader.pid() != killedPid;
        if (now.problems().isEmpty() && back) {
          long recoveryMillis = millisSince(killedAt);
          return summary(leader, electionMillis, recoveryMillis, now.with(readThroughLeader(now)));
        }
        if (System.nanoTime() > deadline) {
          return summary(leader, electionMillis, -1, now);
        }
        pause();
      }
    }

    private void startZooKeeper() throws IOException {
      if (settings.zk() == null) {
        // Sessions last 2 to 20 ticks: a tick of 1/8 of the session timeout allows it, and makes a
        // dead session expire soon after its timeout.
        int tick = (int) Math.max(50, Math.min(2000, settings.sessionTimeout().toMillis() / 8));
        zk = new EmbeddedView(EmbeddedZooKeeper.start(tick));
        say("embedded ZooKeeper on " + zk.connectString());
      } else {
        zk = new ExternalView(settings.zk());
        say("ZooKeeper at " + zk.connectString() + " (sessions are counted only on the embedded one)");
      }
    }

    private void startWorkers() throws Exception {
      int clusterPort = freePort();
      say("starting " + settings.workers() + " worker JVMs; they elect the registry's leader on "
          + "127.0.0.1:" + clusterPort);
      for (int i = 1; i <= settings.workers(); i++) {
        workers.add(new Worker(i));
      }
      launched =
          ClusterLauncher.of(DemoWorker.class)
              .workers(settings.workers())
              .jvmOptions(
                  "-D" + LOG_LEVEL + "=" + System.getProperty(LOG_LEVEL, "warn"),
                  "-Dorg.slf4j.simpleLogger.showThreadName=false",
                  "-Dorg.slf4j.simpleLogger.showShortLogName=true",
                  // Small, quick-starting JVMs: several of them share two cores in the tests.
                  "-XX:TieredStopAtLevel=1",
                  "-XX:+UseSerialGC",
                  "-Xmx128m")
              .args("auto", zk.connectString(), String.valueOf(clusterPort),
                  String.valueOf(settings.sessionTimeout().toMillis()), SERVICE)
              .restartBackoff(Duration.ofMillis(100), Duration.ofSeconds(2))
              .output(this::heard, this::heard)
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      for (Worker w : workers) {
        w.firstServes.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      say("every worker serves; kill the leader in " + settings.killAfter().toSeconds() + " s");
    }

    /** Shows the view until all is well and the kill delay has passed, or a minute more. */
    private Tick awaitSteadyState() throws InterruptedException {
      long since = System.nanoTime();
      long deadline = since + settings.killAfter().toNanos() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        Tick now = tick();
        boolean waited = System.nanoTime() - since >= settings.killAfter().toNanos();
        if ((now.problems().isEmpty() && waited) || System.nanoTime() > deadline) {
          return now;
        }
        pause();
      }
    }

    /** Observes the workers and ZooKeeper once, and prints the view. */
    private Tick tick() {
      List<Observed> seen = observe();
      ZkState state = zk.state();
      Tick t = new Tick(seen, state, problems(seen, state));
      printView(t);
      return t;
    }

    /** A line from the launcher: a worker's, prefixed "[worker-N] ", or the launcher's own. */
    private void heard(String line) {
      System.out.println("  " + line);
      if (line.startsWith("[worker-")) {
        int end = line.indexOf("] ");
        if (end > 0) {
          int n = Integer.parseInt(line.substring("[worker-".length(), end));
          if (n >= 1 && n <= workers.size()) {
            workers.get(n - 1).heard(line.substring(end + 2));
          }
        }
      }
    }

    /** Asks every live worker, in parallel, for its status and its providers. */
    private List<Observed> observe() {
      List<Worker> alive = workers.stream().filter(w -> w.httpPort != null).toList();
      List<CompletableFuture<Status>> statuses = new ArrayList<>();
      List<CompletableFuture<List<String>>> answers = new ArrayList<>();
      for (Worker w : alive) {
        statuses.add(get(w, "/status").thenApply(body -> JSON.convertValue(body, Status.class)));
        answers.add(
            get(w, "/providers?service=" + SERVICE)
                .thenApply(body -> JSON.convertValue(body.get("providers"), listOfStrings())));
      }
      List<Observed> out = new ArrayList<>();
      for (int i = 0; i < alive.size(); i++) {
        Status status = statuses.get(i).exceptionally(e -> null).join();
        List<String> providers = answers.get(i).exceptionally(e -> null).join();
        if (status != null) {
          alive.get(i).served = status.served();
        }
        if (providers == null) {
          failedAnswers++;
        }
        out.add(new Observed(alive.get(i), status, providers));
      }
      return out;
    }

    private static TypeReference<List<String>> listOfStrings() {
      return new TypeReference<>() {};
    }

    private CompletableFuture<JsonNode> get(Worker w, String pathAndQuery) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.httpPort + pathAndQuery))
              .timeout(Duration.ofSeconds(2))
              .build();
      return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .thenApply(
              r -> {
                if (r.statusCode() != 200) {
                  throw new IllegalStateException(w.id + " answered " + r.statusCode() + ": " + r.body());
                }
                try {
                  return JSON.readTree(r.body());
                } catch (IOException e) {
                  throw new IllegalStateException(w.id + " answered " + r.body(), e);
                }
              });
    }

    /** What is not as it should be: empty once one survivor leads and everything is registered. */
    private List<String> problems(List<Observed> seen, ZkState state) {
      List<String> problems = new ArrayList<>();
      List<String> alive = seen.stream().map(o -> o.worker().id).sorted().toList();
      long leaders = seen.stream().filter(Observed::isLeader).count();
      if (leaders != 1) {
        problems.add(leaders == 0 ? "no leader" : leaders + " leaders");
      }
      for (Observed o : seen) {
        if (o.status() == null) {
          problems.add(o.worker().id + " does not answer /status");
        } else if (!o.isLeader() && !"FOLLOWER".equals(o.status().role())) {
          problems.add(o.worker().id + " is " + o.status().role());
        }
        if (o.providers() == null) {
          problems.add(o.worker().id + " does not answer /providers");
        } else if (!o.providers().equals(alive)) {
          problems.add(o.worker().id + " answers " + o.providers());
        }
      }
      List<String> registered = List.copyOf(state.registered().keySet());
      if (!registered.equals(alive)) {
        problems.add("registered " + registered + " instead of " + alive);
      }
      long owners = state.registered().values().stream().distinct().count();
      if (owners > 1) {
        problems.add("registrations owned by " + owners + " sessions");
      }
      if (state.sessionsKnown() && state.sessions().size() != 1) {
        problems.add(state.sessions().size() + " ZooKeeper sessions");
      }
      return problems;
    }

    private void printView(Tick t) {
      long followers =
          t.seen().stream()
              .filter(o -> o.status() != null && "FOLLOWER".equals(o.status().role()))
              .count();
      long right = t.seen().stream().filter(o -> t.alive().equals(o.providers())).count();
      ZkState zs = t.state();
      String sessions =
          zs.sessionsKnown()
              ? "zk sessions " + zs.sessions().size() + " " + shortIds(zs.sessions())
                  + ", connections " + zs.connections()
              : "zk sessions n/a";
      String owners = shortIds(zs.registered().values().stream().distinct().sorted().toList());
      say(String.format(
          "+%5.1fs leader %-8s followers %d | %s | registered %s by %s | answers %d/%d right | served %d",
          (System.nanoTime() - startNanos) / 1e9,
          t.leader().map(w -> w.id).orElse("(none)"),
          followers,
          sessions,
          zs.registered().keySet(),
          owners,
          right,
          t.seen().size(),
          served()));
    }

    /** A follower reads every registration: getData calls that the leader's real client answers. */
    private List<String> readThroughLeader(Tick t) {
      Observed follower = t.seen().stream().filter(o -> !o.isLeader()).findFirst().orElse(null);
      if (follower == null) {
        return List.of();
      }
      String id = follower.worker().id;
      try {
        JsonNode body =
            get(follower.worker(), "/providers?service=" + SERVICE + "&details=true")
                .get(10, TimeUnit.SECONDS);
        JsonNode registrations = body.get("registrations");
        say(id + " (a follower) read the registrations through the leader: " + registrations);
        return registrations.size() == t.seen().size()
            ? List.of()
            : List.of(id + " read the registrations " + registrations);
      } catch (Exception e) {
        return List.of(id + " could not read the registrations: " + e);
      }
    }

    private Summary summary(Worker killed, long electionMillis, long recoveryMillis, Tick t) {
      ZkState zs = t.state();
      String newLeader = t.leader().map(w -> w.id).orElse(null);
      Summary s =
          new Summary(
              killed != null && recoveryMillis >= 0 && t.problems().isEmpty(),
              killed == null ? null : killed.id,
              newLeader,
              electionMillis,
              recoveryMillis,
              t.alive(),
              List.copyOf(zs.registered().keySet()),
              zs.sessionsKnown() ? zs.sessions().size() : -1,
              served(),
              failedAnswers,
              t.problems());
      say("---- summary ----");
      say("killed leader:   "
          + (killed == null ? "none: never steady" : killed.id + " (pid " + killedPid + "; the launcher"
              + " started it again as pid " + killed.pid() + ")"));
      say("new leader:      " + (newLeader == null ? "none" : newLeader)
          + (electionMillis < 0 ? "" : ", seen " + electionMillis + " ms after the kill"));
      say("recovered after: "
          + (recoveryMillis < 0 ? "-" : recoveryMillis + " ms (the old session had to expire)"));
      say("zk sessions:     " + (s.zkSessions() < 0 ? "n/a" : String.valueOf(s.zkSessions()))
          + " for " + s.survivors().size() + " workers");
      say("registered:      " + s.registered() + "; workers " + s.survivors());
      say("requests served: " + s.requestsServed() + "; unanswered by live workers: "
          + s.failedAnswers());
      say(s.recovered()
          ? "RESULT: RECOVERED"
          : "RESULT: NOT RECOVERED: " + String.join("; ", t.problems()));
      return s;
    }

    private long served() {
      return workers.stream().mapToLong(w -> w.served).sum();
    }

    private void pause() throws InterruptedException {
      Thread.sleep(settings.tick().toMillis());
    }

    /**
     * Stops every worker, followers first and the leader last, as an orderly shutdown of a real
     * deployment would: a leader that left first would hand over to a follower that is itself
     * leaving. Each gets SIGTERM, and the launcher kills any that does not stop.
     */
    @Override
    public void close() {
      if (launched != null) {
        Map<Boolean, List<Worker>> byRole =
            workers.stream().collect(Collectors.partitioningBy(w -> w.leads));
        CompletableFuture.allOf(
                byRole.get(false).stream()
                    .map(w -> CompletableFuture.runAsync(() -> launched.stopWorker(w.number)))
                    .toArray(CompletableFuture[]::new))
            .join();
        for (Worker w : byRole.get(true)) {
          launched.stopWorker(w.number);
        }
        launched.stop(); // returns once every worker JVM has exited
      }
      if (zk != null) {
        zk.close();
      }
      say("stopped " + workers.size() + " workers" + (settings.zk() == null ? " and ZooKeeper" : ""));
    }

    private static long millisSince(long nanos) {
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static String shortIds(List<Long> sessions) {
      return sessions.stream()
          .map(id -> String.format("#%04x", id & 0xffff))
          .collect(Collectors.joining(",", "[", "]"));
    }
  }

  private static void say(String line) {
    System.out.println("[demo] " + line);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
