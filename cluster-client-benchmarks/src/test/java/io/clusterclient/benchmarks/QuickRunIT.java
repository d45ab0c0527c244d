package io.clusterclient.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the harness from rotting: a {@code --quick} run of every workload on every implementation
 * (Node.js when node and npm are installed) must produce every figure. It checks that figures exist,
 * never how fast anything is: a benchmark is not a test.
 */
class QuickRunIT {
  @TempDir Path dir;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void quickRunMeasuresEveryWorkloadAndWritesTheTableAndJson() throws Exception {
    Path out = dir.resolve("results.json");

    BenchmarkMain.run(new String[] {"--quick", "--out", out.toString()});

    assertThat(out).exists();
    assertThat(dir.resolve("results.md")).content().contains("| workload | metric |");
    JsonNode root = new ObjectMapper().readTree(Files.readString(out));
    assertThat(root.path("quick").asBoolean()).isTrue();
    boolean node = !root.path("node").isNull();
    List<String> missing = new ArrayList<>();
    for (JsonNode row : root.path("rows")) {
      String id = row.path("id").asText();
      requireFigure(row, "ours", missing);
      if (id.contains(".unix.")) {
        continue; // this library only: the others have no Unix transport
      }
      if (!id.startsWith("e.") && !id.startsWith("f.") && !id.startsWith("h.")) {
        requireFigure(row, "raw", missing);
      }
      if (node) {
        requireFigure(row, "node", missing);
      }
    }
    assertThat(missing).as("figures missing; notes: %s", root.path("notes")).isEmpty();
    assertThat(root.path("rows")).hasSize(29);
    for (JsonNode row : root.path("rows")) {
      if (row.path("id").asText().equals("h.failed")) {
        assertThat(row.path("ours").path("median").asDouble())
            .as("calls failed during a rolling restart by SIGTERM: the leader hands over")
            .isZero();
      }
    }
    assertThat(root.path("jmh")).as("JMH results").isNotEmpty();
    assertThat(root.path("taskQueue")).as("workload (t), the task queue").hasSize(3)
        .allSatisfy(r -> assertThat(r.path("tasksPerSecond").path("median").asDouble()).isPositive());
    assertThat(root.path("details").path("clock.ours").path("shared").asBoolean())
        .as("System.nanoTime() is one clock for every process of the host")
        .isTrue();
  }

  private static void requireFigure(JsonNode row, String impl, List<String> missing) {
    if (!row.path(impl).path("median").isNumber()) {
      missing.add(impl + " " + row.path("id").asText() + ": " + row.path(impl));
    }
  }
}
