package io.clusterclient.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The benchmark harness: runs workloads (a) to (h) on this library, on the raw Netty baseline and on
 * the original Node.js library, each in separate processes it starts, and (t), the task queue, beside
 * a thread pool; then prints a markdown table with ratios and the bars, and writes it as JSON.
 *
 * <pre>
 * mvn -B -ntp -Pbenchmark -pl cluster-client-benchmarks -am -DskipTests verify
 * mvn ... -Dbench.args="--quick --only a,b --impl ours,raw --no-jmh --jfr"
 * </pre>
 *
 * <p>Options: {@code --quick} (seconds, for QuickRunIT), {@code --only bus} (the message bus against
 * today's delegation, {@link BusBench}; not part of the full run), {@code --out FILE} (default
 * target/benchmark-results.json; the table goes next to it as .md, the processes' logs into
 * benchmark-logs/), {@code --only a,b,...}, {@code --impl ours,raw,node}, {@code --no-node}, {@code
 * --no-jmh}, {@code --jfr} (a flight recording per Java process, in the log folder, with JFR's
 * "profile" settings or the .jfc file named by the environment variable {@code BENCH_JFC}), {@code
 * --no-meters} (this library's call meters off, to measure what they cost), {@code --log-level info} (the Java processes' slf4j-simple level, warn by default).
 */
public final class BenchmarkMain {
  private static final List<String> ALL = List.of("a", "b", "c", "d", "e", "f", "g", "h", "t");

  private BenchmarkMain() {}

  public static void main(String[] args) {
    run(args);
  }

  /**
   * Runs the harness.
   *
   * @param args the options
   * @return the JSON written
   */
  public static ObjectNode run(String[] args) {
    long t0 = System.nanoTime();
    Settings settings = Settings.fullRun();
    Path out = Paths.get("target", "benchmark-results.json");
    Set<String> only = new LinkedHashSet<>(ALL);
    Set<Impl> impls = EnumSet.allOf(Impl.class);
    boolean jmh = true;
    boolean jfr = false;
    List<String> list = Arrays.stream(args).flatMap(a -> Arrays.stream(a.trim().split("\\s+")))
        .filter(a -> !a.isEmpty()).toList();
    for (int i = 0; i < list.size(); i++) {
      switch (list.get(i)) {
        case "--quick" -> settings = Settings.quickRun();
        case "--out" -> out = Paths.get(list.get(++i));
        case "--only" -> only = new LinkedHashSet<>(Arrays.asList(list.get(++i).split(",")));
        case "--impl" -> {
          impls = EnumSet.noneOf(Impl.class);
          for (String k : list.get(++i).split(",")) {
            impls.add(Arrays.stream(Impl.values()).filter(v -> v.key().equals(k)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown implementation " + k)));
          }
        }
        case "--no-node" -> impls.remove(Impl.NODE);
        case "--no-jmh" -> jmh = false;
        case "--no-meters" -> System.setProperty("bench.noMeters", "true");
        case "--jfr" -> jfr = true;
        case "--log-level" -> System.setProperty("bench.logLevel", list.get(++i));
        default -> throw new IllegalArgumentException("unknown option " + list.get(i)
            + "; options: --quick --out FILE --only a,b,.. --impl ours,raw,node --no-node --no-jmh --jfr --no-meters --log-level LEVEL");
      }
    }
    Path logDir = out.toAbsolutePath().getParent().resolve("benchmark-logs");
    if (only.remove("bus")) {
      // The message bus against today's delegation: a table of its own, not part of the full run.
      String busTable = new BusBench(settings.quick(), logDir).run();
      Path busFile = out.resolveSibling("bus-benchmark-results.md");
      Report.write(busFile, "## cluster-client bus benchmarks" + (settings.quick() ? " (QUICK: not figures)" : "")
          + "\n\n" + busTable);
      System.out.println();
      System.out.println(busTable);
      System.out.println("[bench] wrote " + busFile.toAbsolutePath());
      if (only.isEmpty()) {
        return new ObjectMapper().createObjectNode().put("bus", busTable);
      }
    }
    Results results = new Results();
    System.out.println("[bench] " + (settings.quick() ? "QUICK" : "full") + " run of " + only + " on " + impls
        + "; logs in " + logDir);

    Set<Impl> measured = EnumSet.noneOf(Impl.class);
    if (impls.contains(Impl.OURS)) {
      new Suite(settings, results, new Launcher.Ours(logDir, jfr), only).run();
      measured.add(Impl.OURS);
    }
    if (impls.contains(Impl.RAW)) {
      new Suite(settings, results, new Launcher.Raw(logDir, jfr), only).run();
      measured.add(Impl.RAW);
    }
    String nodeVersion = null;
    if (impls.contains(Impl.NODE)) {
      Optional<NodeSetup> node = Optional.empty();
      try {
        node = NodeSetup.install(logDir);
      } catch (RuntimeException e) {
        results.note("Node.js baseline skipped: " + e.getMessage());
      }
      if (node.isPresent()) {
        try (NodeSetup n = node.get()) {
          nodeVersion = n.version();
          new Suite(settings, results, new Launcher.Node(logDir, n), only).run();
          measured.add(Impl.NODE);
        }
      } else if (nodeVersion == null) {
        results.note("Node.js baseline not measured: node or npm is missing (see above)");
      }
    }
    List<TaskBench.Row> taskRows =
        only.contains("t") && impls.contains(Impl.OURS) ? TaskBench.run(settings, logDir, results, jfr) : List.of();
    ObjectMapper json = new ObjectMapper();
    ArrayNode jmhRows = json.createArrayNode();
    if (jmh) {
      try {
        jmhRows = JmhRun.run(settings.jmhArgs(), logDir, results);
      } catch (RuntimeException e) {
        results.note("JMH failed: " + e.getMessage());
      }
    }

    Report report = new Report(results, settings, impls, measured);
    double wall = (System.nanoTime() - t0) / 1e9;
    ObjectNode meta = json.createObjectNode()
        .put("generatedAt", Instant.now().toString())
        .put("quick", settings.quick())
        .put("wallSeconds", wall)
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
        .put("cpus", Runtime.getRuntime().availableProcessors())
        .put("node", nodeVersion)
        .put("jvmOptions", String.join(" ", Launcher.jvmOptions(logDir, "x", false)));
    meta.putPOJO("settings", settings);
    meta.putPOJO("workloads", only);
    ObjectNode root = report.json(meta, jmhRows);
    root.putPOJO("taskQueue", taskRows);
    String table = report.markdown();
    String md = "## cluster-client benchmarks" + (settings.quick() ? " (QUICK: not figures)" : "") + "\n\n"
        + table + "\n" + (taskRows.isEmpty() ? "" : TaskBench.markdown(taskRows) + "\n")
        + (jmhRows.isEmpty() ? "" : JmhRun.markdown(jmhRows, settings.jmhArgs()) + "\n")
        + (results.notes().isEmpty() ? "" : "Notes:\n" + String.join("\n", results.notes().stream()
            .map(n -> "- " + n).toList()) + "\n");
    Report.write(out, Report.pretty(root));
    Path mdFile = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.json$", "") + ".md");
    Report.write(mdFile, md);
    System.out.println();
    System.out.println(md);
    System.out.println(report.barSummary());
    System.out.printf("[bench] wall time %.0f s; wrote %s and %s%n", wall, out.toAbsolutePath(), mdFile.toAbsolutePath());
    return root;
  }
}
