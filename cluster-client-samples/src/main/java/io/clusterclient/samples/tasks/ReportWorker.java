package io.clusterclient.samples.tasks;

import io.clusterclient.ClusterOptions;
import io.clusterclient.launcher.ClusterLauncher;
import io.clusterclient.tasks.ClusterTasks;
import io.clusterclient.tasks.TaskQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A worker JVM of {@link ReportQueueDemo}: it serves the {@code reports} queue with 2 slots, and
 * worker 1 also submits the reports and prints who rendered each.
 *
 * <p>Arguments: {@code port reports}.
 */
public final class ReportWorker {
  /** A report to render. */
  public record Report(int number) {}

  /** A rendered report: by whom, and on which delivery. */
  public record Rendered(int number, String worker, int delivery) {}

  private ReportWorker() {}

  public static void main(String[] args) throws Exception {
    ClusterLauncher.exitWhenLauncherExits();
    int port = Integer.parseInt(args[0]);
    int reports = Integer.parseInt(args[1]);
    String worker = "worker-" + System.getProperty(ClusterLauncher.WORKER_ID_PROPERTY, "?");
    TaskQueue<Report, Rendered> queue =
        ClusterTasks.builder("reports", Report.class, Rendered.class)
            .options(ClusterOptions.builder().port(port).build())
            .deadline(Duration.ofSeconds(10))
            .create();
    queue.serve(2, (report, context) -> {
      Thread.sleep(150); // the rendering
      return new Rendered(report.number(), worker, context.delivery());
    }).get(30, TimeUnit.SECONDS);
    System.out.println("SERVING " + worker + " as " + queue.handle().role());
    if (!worker.equals("worker-1")) {
      Thread.currentThread().join(); // serves until the launcher stops it
    }
    List<CompletableFuture<Rendered>> results = new ArrayList<>();
    for (int i = 1; i <= reports; i++) {
      results.add(queue.submit(new Report(i)));
    }
    Map<String, Integer> byWorker = new TreeMap<>();
    int done = 0;
    for (CompletableFuture<Rendered> f : results) {
      try {
        Rendered r = f.get(60, TimeUnit.SECONDS);
        done++;
        byWorker.merge(r.worker(), 1, Integer::sum);
        System.out.println("RENDERED report-" + r.number() + " by " + r.worker()
            + (r.delivery() > 1 ? " (delivery " + r.delivery() + ": its first worker died)" : ""));
      } catch (Exception e) {
        System.out.println("FAILED " + e.getCause());
      }
    }
    System.out.println("RESULT: " + done + " of " + reports + " reports rendered; by worker: " + byWorker);
    Thread.currentThread().join();
  }
}
