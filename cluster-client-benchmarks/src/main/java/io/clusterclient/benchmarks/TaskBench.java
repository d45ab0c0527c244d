package io.clusterclient.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.benchmarks.workload.TaskWorker;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Workload (t), the task queue: empty tasks per second with 1 and 4 serving processes of 32 slots
 * each (a submitter keeping 64 in flight; it leads, and serves nothing), and the time from submit to
 * the handler's start (tasks one after another), beside the floor: a {@code ThreadPoolExecutor} of 32
 * threads in one process. Each figure is the median of the timed rounds, with their min and max.
 */
final class TaskBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int WINDOW = 64;
  private static final int SLOTS = 32;

  private TaskBench() {}

  /** One configuration's figures. */
  record Row(String name, Figure tasksPerSecond, Figure p50Micros, Figure p99Micros) {}

  static List<Row> run(Settings settings, Path logDir, Results results, boolean jfr) {
    List<Row> rows = new ArrayList<>();
    try {
      rows.add(measure(settings, logDir, jfr, "ThreadPoolExecutor, one process (floor)", 0));
      rows.add(measure(settings, logDir, jfr, "task queue, 1 serving process", 1));
      rows.add(measure(settings, logDir, jfr, "task queue, 4 serving processes", 4));
    } catch (RuntimeException e) {
      results.note("task queue benchmark failed: " + e.getMessage());
    }
    return rows;
  }

  private static Row measure(Settings settings, Path logDir, boolean jfr, String name, int servers) {
    int port = freePort();
    List<Child> children = new ArrayList<>();
    try {
      Child submitter = start(logDir, jfr, port, servers == 0 ? "pool" : "submit", "t-" + servers + "-submitter");
      children.add(submitter);
      submitter.awaitJson("READY", WAIT);
      for (int i = 1; i <= servers; i++) {
        children.add(start(logDir, jfr, port, "serve", "t-" + servers + "-server-" + i));
      }
      for (Child c : children.subList(1, children.size())) {
        c.awaitJson("READY", WAIT);
      }
      int warmup = settings.quick() ? 300 : 3000;
      int roundMs = settings.quick() ? 300 : 2000;
      int latencyCount = settings.quick() ? 100 : 2000;
      submitter.call(JSON.createObjectNode().put("cmd", "throughput").put("window", WINDOW).put("ms", warmup), WAIT);
      submitter.call(JSON.createObjectNode().put("cmd", "latency").put("count", latencyCount / 4), WAIT);
      List<Double> rates = new ArrayList<>();
      List<Double> p50 = new ArrayList<>();
      List<Double> p99 = new ArrayList<>();
      for (int r = 0; r < settings.rounds(); r++) {
        JsonNode t =
            submitter.call(JSON.createObjectNode().put("cmd", "throughput").put("window", WINDOW).put("ms", roundMs), WAIT);
        rates.add(t.get("tasks").asDouble() / t.get("seconds").asDouble());
        JsonNode l = submitter.call(JSON.createObjectNode().put("cmd", "latency").put("count", latencyCount), WAIT);
        p50.add(l.get("p50").asDouble());
        p99.add(l.get("p99").asDouble());
      }
      return new Row(name, Figure.of(rates), Figure.of(p50), Figure.of(p99));
    } finally {
      for (Child c : children) {
        try {
          c.send(JSON.createObjectNode().put("cmd", "exit"));
        } catch (RuntimeException ignored) {
          // gone already
        }
      }
      for (Child c : children) {
        c.close();
      }
    }
  }

  private static Child start(Path logDir, boolean jfr, int port, String mode, String label) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Launcher.javaExecutable());
    cmd.addAll(Launcher.jvmOptions(logDir, label, jfr));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(TaskWorker.class.getName());
    cmd.add("" + port);
    cmd.add(mode);
    cmd.add("" + SLOTS);
    return Child.start(label, cmd, Map.of(), logDir);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new BenchmarkException("no free port: " + e.getMessage());
    }
  }

  /** The rows as a markdown table. */
  static String markdown(List<Row> rows) {
    if (rows.isEmpty()) {
      return "";
    }
    StringBuilder md = new StringBuilder("### (t) task queue: empty tasks\n\n"
        + "| configuration | tasks/s (64 in flight) | submit to start p50 (µs) | p99 (µs) |\n|---|---|---|---|\n");
    for (Row r : rows) {
      md.append("| ").append(r.name()).append(" | ").append(fmt(r.tasksPerSecond())).append(" | ")
          .append(fmt(r.p50Micros())).append(" | ").append(fmt(r.p99Micros())).append(" |\n");
    }
    return md.toString();
  }

  private static String fmt(Figure f) {
    return String.format("%,.0f (%,.0f–%,.0f)", f.median(), f.min(), f.max());
  }
}
