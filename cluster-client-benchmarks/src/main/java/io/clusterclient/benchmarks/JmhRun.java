package io.clusterclient.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the JMH microbenchmarks of {@code io.clusterclient.benchmarks.jmh} in a child JVM, short
 * (the full JMH run has its own command), and reads their JSON results. Used by one thread.
 */
final class JmhRun {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JmhRun() {}

  static ArrayNode run(String jmhArgs, Path logDir, Results results) {
    Path out = logDir.resolve("jmh-quick.json");
    List<String> cmd = new ArrayList<>();
    cmd.add(Launcher.javaExecutable());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.openjdk.jmh.Main");
    cmd.add("io\\.clusterclient\\.benchmarks\\.jmh\\..*");
    cmd.addAll(Arrays.asList(jmhArgs.trim().split("\\s+")));
    cmd.addAll(List.of("-rf", "json", "-rff", out.toString()));
    System.out.println("[bench] JMH (" + jmhArgs + ") ...");
    long t0 = System.nanoTime();
    Child jmh = Child.start("jmh", cmd, Map.of(), logDir);
    try {
      if (!jmh.waitFor(Duration.ofMinutes(10))) {
        throw new BenchmarkException("JMH did not finish within 10 minutes; see " + logDir);
      }
    } finally {
      jmh.close();
    }
    ArrayNode rows = JSON.createArrayNode();
    try {
      for (JsonNode b : JSON.readTree(Files.readString(out))) {
        JsonNode m = b.path("primaryMetric");
        rows.addObject()
            .put("benchmark", b.path("benchmark").asText().replace("io.clusterclient.benchmarks.jmh.", ""))
            .put("mode", b.path("mode").asText())
            .put("score", m.path("score").asDouble())
            .put("error", m.path("scoreError").asDouble())
            .put("unit", m.path("scoreUnit").asText());
      }
    } catch (IOException e) {
      results.note("JMH wrote no results (" + e.getMessage() + "); see " + logDir.resolve("jmh.out.log"));
    }
    System.out.printf("[bench] JMH done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    return rows;
  }

  static String markdown(ArrayNode rows, String jmhArgs) {
    StringBuilder sb = new StringBuilder();
    sb.append("JMH microbenchmarks (").append(jmhArgs).append("; indicative only, run -Pjmh for real figures):\n\n");
    sb.append("| benchmark | score | unit |\n|---|---:|---|\n");
    for (JsonNode r : rows) {
      double err = r.path("error").asDouble();
      sb.append("| ").append(r.path("benchmark").asText())
          .append(" | ").append(Report.format(r.path("score").asDouble()))
          .append(Double.isNaN(err) ? "" : String.format(Locale.ROOT, " +- %s", Report.format(err)))
          .append(" | ").append(r.path("unit").asText())
          .append(" |\n");
    }
    return sb.toString();
  }
}
