package io.clusterclient.samples.tasks;

import io.clusterclient.launcher.ClusterLauncher;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A task queue across worker JVMs: {@link ClusterLauncher} runs 3 {@link ReportWorker}s, each serving
 * the {@code reports} queue with 2 slots; worker 1 submits 30 reports. When 10 are rendered, the demo
 * kills worker 2 with SIGKILL: what it was rendering goes to another worker (delivery 2), and the
 * launcher starts it again. Every report is rendered; the demo prints who rendered each and exits 0,
 * or 1 if a report was lost.
 *
 * <p>Run: {@code mvn -q install -DskipTests && mvn -q -pl cluster-client-samples exec:exec
 * -Dsample=tasks.ReportQueueDemo}.
 */
public final class ReportQueueDemo {
  static final int REPORTS = 30;

  private ReportQueueDemo() {}

  public static void main(String[] args) throws Exception {
    System.exit(run().startsWith("RESULT: " + REPORTS + " of " + REPORTS) ? 0 : 1);
  }

  /**
   * Runs the demo.
   *
   * @return worker 1's RESULT line
   * @throws Exception when the workers cannot start, or no result comes within a minute
   */
  public static String run() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    CompletableFuture<String> result = new CompletableFuture<>();
    CompletableFuture<Void> tenRendered = new CompletableFuture<>();
    AtomicInteger rendered = new AtomicInteger();
    ClusterLauncher.Launched launched =
        ClusterLauncher.of(ReportWorker.class)
            .workers(3)
            .args("" + port, "" + REPORTS)
            .jvmOptions("-Xmx128m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
            .output(
                line -> {
                  System.out.println(line);
                  if (line.contains("RENDERED ") && rendered.incrementAndGet() == 10) {
                    tenRendered.complete(null);
                  }
                  if (line.contains("RESULT: ")) {
                    result.complete(line.substring(line.indexOf("RESULT: ")));
                  }
                },
                System.err::println)
            .start();
    try {
      tenRendered.get(60, TimeUnit.SECONDS);
      System.out.println("demo: killing worker-2 with SIGKILL");
      launched.kill(2);
      String line = result.get(60, TimeUnit.SECONDS);
      System.out.println("demo: " + line);
      return line;
    } finally {
      launched.stop();
      launched.awaitExit();
    }
  }
}
