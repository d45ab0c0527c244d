package io.clusterclient.samples;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.Delegate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Three JVMs share one real client: this process and two workers it starts with the same classpath.
 * Whoever wins the port leads and builds the real client; the others call it through their proxies.
 *
 * <p>Run: {@code mvn -q install -DskipTests && mvn -q -pl cluster-client-samples exec:exec
 * -Dsample=QuickStart}
 */
public final class QuickStart {
  /** The client type: an interface, as seen by every process. */
  public interface Greeter {
    @Delegate
    String greet(String who);

    /** Returns a future: delegated automatically. */
    CompletableFuture<Integer> visits();
  }

  /** The real client: it would hold the upstream connection, and exists in the leader only. */
  static final class RealGreeter implements Greeter {
    private int visits;

    RealGreeter() {
      System.out.println("  [pid " + pid() + "] real client created (this process leads)");
    }

    @Override
    public synchronized String greet(String who) {
      visits++;
      return "hello " + who + ", from the real client in pid " + pid();
    }

    @Override
    public synchronized CompletableFuture<Integer> visits() {
      return CompletableFuture.completedFuture(visits);
    }
  }

  private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

  private QuickStart() {}

  public static void main(String[] args) throws Exception {
    run(args);
  }

  /** Runs the launcher (no arguments) or a worker; returns the greetings the real client served. */
  static int run(String[] args) throws Exception {
    boolean worker = args.length > 0 && args[0].equals("worker");
    int port = worker ? Integer.parseInt(args[1]) : freePort();
    Greeter greeter =
        ClusterClient.of(Greeter.class)
            .options(ClusterOptions.builder().name("greeter").port(port).build())
            .create(RealGreeter::new);
    ClusterHandle handle = ClusterClient.handle(greeter);
    handle.ready().get(30, TimeUnit.SECONDS);
    System.out.println("  [pid " + pid() + "] ready as " + handle.role());

    if (worker) {
      System.out.println("  [pid " + pid() + "] " + greeter.greet("worker " + pid()));
      handle.close();
      return 0;
    }
    List<Process> workers = new ArrayList<>();
    String logLevel = System.getProperty(LOG_LEVEL, "info");
    for (int i = 0; i < 2; i++) {
      workers.add(
          new ProcessBuilder(
                  Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                  "-D" + LOG_LEVEL + "=" + logLevel,
                  "-cp",
                  System.getProperty("java.class.path"),
                  QuickStart.class.getName(),
                  "worker",
                  String.valueOf(port))
              .redirectErrorStream(true)
              .start());
    }
    List<Thread> copiers = new ArrayList<>();
    for (Process p : workers) {
      // Copied line by line so that the workers' output shows inside ours, wherever ours goes.
      Thread copier = new Thread(() -> p.inputReader().lines().forEach(System.out::println));
      copier.setDaemon(true);
      copier.start();
      copiers.add(copier);
    }
    for (Process p : workers) {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("a worker did not finish in 60 s");
      }
    }
    for (Thread copier : copiers) {
      copier.join(5_000);
    }
    System.out.println("  [pid " + pid() + "] " + greeter.greet("launcher"));
    int visits = greeter.visits().get(5, TimeUnit.SECONDS);
    System.out.println(
        "  [pid " + pid() + "] the one real client served " + visits + " greetings from 3 processes");
    handle.close();
    return visits;
  }

  private static long pid() {
    return ProcessHandle.current().pid();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
