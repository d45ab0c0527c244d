package io.clusterclient.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns {@link Results} into the markdown table (with ratios and the bars) and the JSON
 * file. Used by one thread.
 */
final class Report {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Whether a bar holds: true, false, or null when a figure it needs is missing. */
  private record Bar(String text, Function<Results, Boolean> holds) {}

  private record Row(
      String id, String workload, String metric, String unit, boolean higherIsBetter, Bar bar) {}

  private final Results results;
  private final Settings settings;
  private final Set<Impl> measured;
  private final Set<Impl> requested;
  private final List<Row> rows = new ArrayList<>();

  Report(Results results, Settings settings, Set<Impl> requested, Set<Impl> measured) {
    this.results = results;
    this.settings = settings;
    this.requested = requested;
    this.measured = measured;
    String a = "(a) 1 follower, 1 call at a time, 64 B string";
    String b = "(b) 1 follower, 64 calls in flight";
    String c = "(c) " + settings.followers() + " followers x 64 in flight";
    String d = "(d) byte[] echo, " + settings.payloadWindow() + " in flight";
    String e = "(e) publish -> last of " + settings.subscribers() + " subscribers";
    String f = "(f) SIGKILL the leader x" + settings.failoverRounds() + " under load, "
        + settings.failoverMembers() + " processes";
    String g = "(g) one more follower";
    String h = "(h) rolling restart by SIGTERM, x" + settings.failoverRounds() + " under load, "
        + settings.failoverMembers() + " processes";
    rows.add(new Row("a.p50", a, "p50 latency", "us", false,
        new Bar("<= 1.2x raw", r -> ratioAtMost(r, "a.p50", Impl.RAW, 1.2))));
    rows.add(new Row("a.p99", a, "p99 latency", "us", false, null));
    rows.add(new Row("a.cps", a, "calls/s", "1/s", true, null));
    String aa = "(a) the same, CompletableFuture method, get() at once (Node.js: as (a))";
    rows.add(new Row("a.async.p50", aa, "p50 latency", "us", false,
        new Bar("<= 1.1x ours sync, <= Node.js", r -> {
          Figure async = r.get("a.async.p50", Impl.OURS);
          Figure sync = r.get("a.p50", Impl.OURS);
          Figure node = r.get("a.p50", Impl.NODE);
          if (async == null || sync == null) {
            return null;
          }
          boolean ok = async.median() <= 1.1 * sync.median();
          return node == null ? ok : ok && async.median() <= node.median() && sync.median() <= node.median();
        })));
    rows.add(new Row("a.async.p99", aa, "p99 latency", "us", false, null));
    rows.add(new Row("b.cps", b, "calls/s", "1/s", true,
        new Bar(">= 0.75x raw", r -> ratioAtLeast(r, "b.cps", Impl.RAW, 0.75))));
    String u = "(a), (b) over a Unix-domain socket (transport UNIX; raw and Node.js: TCP, as above)";
    rows.add(new Row("a.unix.p50", u, "(a) p50 latency", "us", false, null));
    rows.add(new Row("a.unix.p99", u, "(a) p99 latency", "us", false, null));
    rows.add(new Row("b.unix.cps", u, "(b) calls/s", "1/s", true, null));
    rows.add(new Row("c.cps", c, "aggregate calls/s", "1/s", true,
        new Bar(">= 6x Node.js", r -> ratioAtLeast(r, "c.cps", Impl.NODE, 6))));
    rows.add(new Row("d.1k", d + ", 1 KiB", "throughput", "MB/s", true, null));
    rows.add(new Row("d.64k", d + ", 64 KiB", "throughput", "MB/s", true,
        new Bar(">= 1000 MB/s", r -> atLeast(r, "d.64k", 1000))));
    rows.add(new Row("d.1m", d + ", 1 MiB", "throughput", "MB/s", true,
        new Bar(">= 1000 MB/s", r -> atLeast(r, "d.1m", 1000))));
    rows.add(new Row("e.p50", e, "p50 latency", "us", false,
        new Bar("<= 1.5x ours (a) p50", r -> {
          Figure ep = r.get("e.p50", Impl.OURS);
          Figure ap = r.get("a.p50", Impl.OURS);
          return ep == null || ap == null ? null : ep.median() <= 1.5 * ap.median();
        })));
    rows.add(new Row("e.p99", e, "p99 latency", "us", false, null));
    rows.add(new Row("e.lost", e, "values lost (total)", "", false, null));
    rows.add(new Row("f.p50", f, "gap p50", "ms", false, null));
    rows.add(new Row("f.p99", f, "gap p99", "ms", false,
        new Bar("<= 5 ms", r -> atMost(r, "f.p99", 5))));
    rows.add(new Row("f.max", f, "gap max", "ms", false, null));
    rows.add(new Row("f.failed", f, "failed calls (total)", "", false,
        new Bar("= 0 (idempotent calls)", r -> atMost(r, "f.failed", 0))));
    rows.add(new Row("h.p50", h, "gap p50, rounds where the leader left", "ms", false, null));
    rows.add(new Row("h.p99", h, "gap p99, rounds where the leader left", "ms", false, null));
    rows.add(new Row("h.leaders", h, "rounds where the leader left", "", false, null));
    rows.add(new Row("h.failed", h, "failed calls (total)", "", false,
        new Bar("= 0 (any call)", r -> atMost(r, "h.failed", 0))));
    rows.add(new Row("g.threads", g, "threads added at ready()", "", false,
        new Bar("<= 3", r -> atMost(r, "g.threads", 3))));
    rows.add(new Row("g.heap", g, "heap added at ready()", "MiB", false,
        new Bar("<= 8 MiB", r -> atMost(r, "g.heap", 8))));
    rows.add(new Row("g.threadsCalls", g, "threads added after 1000 calls", "", false, null));
    rows.add(new Row("g.heapCalls", g, "heap added after 1000 calls", "MiB", false, null));
    rows.add(new Row("g.ready", g, "process start -> ready()", "ms", false, null));
  }

  private static Boolean atLeast(Results r, String metric, double bar) {
    Figure f = r.get(metric, Impl.OURS);
    return f == null ? null : f.median() >= bar;
  }

  private static Boolean atMost(Results r, String metric, double bar) {
    Figure f = r.get(metric, Impl.OURS);
    return f == null ? null : f.median() <= bar;
  }

  private static Boolean ratioAtMost(Results r, String metric, Impl other, double bar) {
    Figure ours = r.get(metric, Impl.OURS);
    Figure theirs = r.get(metric, other);
    return ours == null || theirs == null ? null : ours.median() <= bar * theirs.median();
  }

  private static Boolean ratioAtLeast(Results r, String metric, Impl other, double bar) {
    Figure ours = r.get(metric, Impl.OURS);
    Figure theirs = r.get(metric, other);
    return ours == null || theirs == null ? null : ours.median() >= bar * theirs.median();
  }

  // ---- markdown ----

  String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("| workload | metric | ")
        .append(Impl.OURS.title()).append(" | ")
        .append(Impl.RAW.title()).append(" | ")
        .append(Impl.NODE.title())
        .append(" | ours/raw | ours/Node.js | bar | holds now |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---|---|\n");
    for (Row row : rows) {
      String unit = row.unit().isEmpty() ? "" : " (" + row.unit() + ")";
      String direction = row.higherIsBetter() ? " ^" : " v";
      sb.append("| ").append(row.workload())
          .append(" | ").append(row.metric()).append(unit).append(direction)
          .append(" | ").append(cell(row, Impl.OURS))
          .append(" | ").append(cell(row, Impl.RAW))
          .append(" | ").append(cell(row, Impl.NODE))
          .append(" | ").append(ratioText(row, Impl.RAW))
          .append(" | ").append(ratioText(row, Impl.NODE))
          .append(" | ").append(row.bar() == null ? "" : row.bar().text())
          .append(" | ").append(holdsText(row))
          .append(" |\n");
    }
    sb.append('\n')
        .append("Cells: median of ").append(settings.rounds())
        .append(" timed rounds (min-max) after warm-up; (f) is over its rounds; (g) over ")
        .append(settings.footprintRuns()).append(" fresh processes. ^ higher is better, v lower is better.\n")
        .append("MB = 10^6 bytes, payload bytes echoed per second one way. Ratios are of medians.\n");
    return sb.toString();
  }

  private String cell(Row row, Impl impl) {
    Figure f = results.get(row.id(), impl);
    if (f != null) {
      if (f.samples().size() == 1 || format(f.min()).equals(format(f.max()))) {
        return format(f.median());
      }
      return format(f.median()) + " (" + format(f.min()) + "-" + format(f.max()) + ")";
    }
    if (results.error(row.id(), impl) != null) {
      return "error";
    }
    if (!requested.contains(impl)) {
      return "not run";
    }
    if (!measured.contains(impl)) {
      return "n/a (no node/npm)";
    }
    if (impl == Impl.RAW && (row.id().startsWith("e.") || row.id().startsWith("f."))) {
      return "n/a";
    }
    return "not run";
  }

  private Double ratio(Row row, Impl other) {
    Figure ours = results.get(row.id(), Impl.OURS);
    Figure theirs = results.get(row.id(), other);
    if (ours == null || theirs == null || theirs.median() == 0) {
      return null;
    }
    return ours.median() / theirs.median();
  }

  private String ratioText(Row row, Impl other) {
    Double r = ratio(row, other);
    return r == null ? "n/a" : String.format(Locale.ROOT, "%.2fx", r);
  }

  private Boolean holds(Row row) {
    return row.bar() == null ? null : row.bar().holds().apply(results);
  }

  private String holdsText(Row row) {
    if (row.bar() == null) {
      return "";
    }
    Boolean h = holds(row);
    return h == null ? "? (missing figure)" : h ? "yes" : "**NO**";
  }

  static String format(double v) {
    double a = Math.abs(v);
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  /** One line per bar: which hold now. */
  String barSummary() {
    StringBuilder sb = new StringBuilder("Bars of issue 5:\n");
    for (Row row : rows) {
      if (row.bar() != null) {
        Boolean h = holds(row);
        sb.append("  ").append(h == null ? "?   " : h ? "yes " : "NO  ")
            .append(row.id()).append(' ').append(row.metric()).append(' ').append(row.bar().text())
            .append('\n');
      }
    }
    return sb.toString();
  }

  // ---- JSON ----

  ObjectNode json(ObjectNode meta, JsonNode jmh) {
    ObjectNode root = JSON.createObjectNode();
    root.setAll(meta);
    ArrayNode out = root.putArray("rows");
    for (Row row : rows) {
      ObjectNode o = out.addObject()
          .put("id", row.id())
          .put("workload", row.workload())
          .put("metric", row.metric())
          .put("unit", row.unit())
          .put("higherIsBetter", row.higherIsBetter());
      for (Impl impl : Impl.values()) {
        Figure f = results.get(row.id(), impl);
        if (f == null) {
          String err = results.error(row.id(), impl);
          o.put(impl.key(), err == null ? null : "error: " + err);
        } else {
          ObjectNode fo = o.putObject(impl.key())
              .put("median", f.median())
              .put("min", f.min())
              .put("max", f.max());
          ArrayNode s = fo.putArray("samples");
          f.samples().forEach(s::add);
        }
      }
      Double rr = ratio(row, Impl.RAW);
      Double rn = ratio(row, Impl.NODE);
      o.put("oursOverRaw", rr);
      o.put("oursOverNode", rn);
      if (row.bar() != null) {
        o.put("bar", row.bar().text());
        o.put("holds", holds(row));
      }
    }
    root.set("jmh", jmh);
    ObjectNode details = root.putObject("details");
    results.details().forEach(details::set);
    ArrayNode notes = root.putArray("notes");
    results.notes().forEach(notes::add);
    return root;
  }

  static void write(Path file, String text) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String pretty(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
