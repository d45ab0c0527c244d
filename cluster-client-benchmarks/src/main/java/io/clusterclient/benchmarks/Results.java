package io.clusterclient.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one run measured: figures by metric and implementation, failures, details and notes.
 * Used by the harness's one thread.
 */
final class Results {
  private final Map<String, Map<Impl, Figure>> figures = new LinkedHashMap<>();
  private final Map<String, Map<Impl, String>> errors = new LinkedHashMap<>();
  private final Map<String, JsonNode> details = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();

  void put(String metric, Impl impl, Figure figure) {
    figures.computeIfAbsent(metric, k -> new EnumMap<>(Impl.class)).put(impl, figure);
  }

  Figure get(String metric, Impl impl) {
    Map<Impl, Figure> m = figures.get(metric);
    return m == null ? null : m.get(impl);
  }

  /** Records why a workload has no figure for an implementation (each metric it would have made). */
  void fail(Impl impl, String message, String... metrics) {
    for (String metric : metrics) {
      errors.computeIfAbsent(metric, k -> new EnumMap<>(Impl.class)).put(impl, message);
    }
    note(impl.title() + ": " + String.join(",", metrics) + " failed: " + message);
  }

  String error(String metric, Impl impl) {
    Map<Impl, String> m = errors.get(metric);
    return m == null ? null : m.get(impl);
  }

  void detail(String key, JsonNode value) {
    details.put(key, value);
  }

  Map<String, JsonNode> details() {
    return details;
  }

  void note(String note) {
    notes.add(note);
    System.out.println("[bench] note: " + note);
  }

  List<String> notes() {
    return notes;
  }
}
