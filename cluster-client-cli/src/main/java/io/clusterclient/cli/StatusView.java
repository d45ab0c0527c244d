package io.clusterclient.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a leader's status report as text tables, and works out its rates: over the time since
 * the previous report of the same leader with {@code --watch}, else since the client's leader
 * started leading. Thread-safe: stateless.
 */
final class StatusView {
  /** The counters that get a rate: calls served for followers, this process's calls, bytes, pushes. */
  private static final List<String> RATED =
      List.of("callsServed", "succeeded", "failed", "bytesIn", "bytesOut", "pushesSent");

  private StatusView() {}

  /**
   * A report and when it was read.
   *
   * @param report the leader's report
   * @param nanoTime {@code System.nanoTime()} when it was read
   */
  record Sample(Map<String, Object> report, long nanoTime) {}

  /** The rates of one client, and the window they are measured over. */
  private record Rates(Map<String, Double> perSecond, long windowMillis, boolean sinceStart) {}

  static Map<String, Object> withRates(Sample now, Sample previous) {
    Map<String, Object> out = new LinkedHashMap<>(now.report());
    List<Object> clients = new ArrayList<>();
    for (Map<String, Object> c : clients(now.report())) {
      Map<String, Object> copy = new LinkedHashMap<>(c);
      Rates r = rates(now, previous, c);
      Map<String, Object> rates = new LinkedHashMap<>();
      r.perSecond().forEach((k, v) -> rates.put(k + "PerSecond", Math.round(v * 100) / 100.0));
      rates.put("windowMillis", r.windowMillis());
      rates.put("window", r.sinceStart() ? "since the leader started" : "since the previous report");
      copy.put("rates", rates);
      clients.add(copy);
    }
    out.put("clients", clients);
    return out;
  }

  /**
   * The text with its control characters, newlines aside, escaped as Java would write them: names
   * and subscription keys come from peers, and must not drive the operator's terminal.
   */
  static String printable(CharSequence text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '\n' && (c < 0x20 || (c >= 0x7f && c <= 0x9f))) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  static String table(Sample now, Sample previous) {
    Map<String, Object> report = now.report();
    StringBuilder sb = new StringBuilder();
    Instant at = Instant.ofEpochMilli(number(report, "now")).truncatedTo(ChronoUnit.SECONDS);
    sb.append("cluster-client status of ").append(report.get("address")).append(" (")
        .append(report.get("transport")).append(") at ").append(at).append('\n');
    sb.append("leader: pid ").append(report.get("pid")).append('\n');
    List<Map<String, Object>> clients = clients(report);
    if (clients.isEmpty()) {
      sb.append("\nno client is led on this port now (the leader is closing)\n");
    }
    for (Map<String, Object> c : clients) {
      client(sb, now, previous, c);
    }
    return printable(sb);
  }

  private static void client(StringBuilder sb, Sample now, Sample previous, Map<String, Object> c) {
    long nowMillis = number(now.report(), "now");
    long since = number(c, "since");
    Map<String, Object> m = map(c.get("metrics"));
    Rates r = rates(now, previous, c);
    sb.append("\nclient '").append(c.get("name")).append("': led since ")
        .append(Instant.ofEpochMilli(since).truncatedTo(ChronoUnit.SECONDS))
        .append(" (up ").append(duration(nowMillis - since)).append("); rates ")
        .append(r.sinceStart() ? "since then" : "over the last " + duration(r.windowMillis())).append('\n');
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"", "TOTAL", "PER SECOND"});
    rows.add(row("follower calls served", m, "callsServed", r, false));
    rows.add(row("leader's own calls ok", m, "succeeded", r, false));
    rows.add(row("leader's own calls failed", m, "failed", r, false));
    rows.add(row("bytes in", m, "bytesIn", r, true));
    rows.add(row("bytes out", m, "bytesOut", r, true));
    rows.add(row("pushes sent", m, "pushesSent", r, false));
    rows.add(new String[] {"calls in flight / queued", number(m, "inFlight") + " / " + number(m, "queued"), ""});
    rows.add(new String[] {"followers dropped", String.valueOf(number(m, "followersDropped")), ""});
    rows.add(new String[] {"elections / failovers", number(m, "elections") + " / " + number(m, "failovers"), ""});
    indent(sb, columns(rows));

    List<Map<String, Object>> followers = list(c.get("followers"));
    sb.append("  followers: ").append(c.get("followerCount")).append('\n');
    if (!followers.isEmpty()) {
      List<String[]> f = new ArrayList<>();
      f.add(new String[] {"PID", "ADDRESS", "CONNECTED", "IN FLIGHT", "SUBSCRIPTIONS", "LAST HEARD"});
      for (Map<String, Object> x : followers) {
        long pid = number(x, "pid");
        f.add(new String[] {
          pid < 0 ? "?" : String.valueOf(pid),
          String.valueOf(x.get("address")),
          Instant.ofEpochMilli(number(x, "connectedSince")).truncatedTo(ChronoUnit.SECONDS).toString(),
          String.valueOf(x.get("callsInFlight")),
          String.valueOf(x.get("subscriptions")),
          duration(Math.max(0, nowMillis - number(x, "lastHeard"))) + " ago"
        });
      }
      indent(sb, columns(f));
    }
    List<Object> subscriptions = list(c.get("subscriptions"));
    sb.append("  subscriptions of the leader's process: ").append(c.get("subscriptionCount")).append('\n');
    for (Object key : subscriptions) {
      sb.append("    ").append(key).append('\n');
    }
    sb.append("  publishes it remembers: ").append(c.get("rememberedPublishes")).append('\n');
    Map<String, Object> latency = map(m.get("latency"));
    if (!latency.isEmpty()) {
      sb.append("  latency of the leader's own calls:\n");
      List<String[]> l = new ArrayList<>();
      l.add(new String[] {"METHOD", "COUNT", "P50", "P99", "MAX"});
      latency.forEach((method, v) -> {
        Map<String, Object> x = map(v);
        l.add(new String[] {
          method, String.valueOf(x.get("count")), micros(number(x, "p50Micros")),
          micros(number(x, "p99Micros")), micros(number(x, "maxMicros"))
        });
      });
      indent(sb, columns(l));
    }
  }

  private static String[] row(String label, Map<String, Object> m, String key, Rates r, boolean bytes) {
    long total = number(m, key);
    double rate = r.perSecond().getOrDefault(key, 0.0);
    return new String[] {
      label,
      bytes ? bytes(total) : String.valueOf(total),
      bytes ? bytes(Math.round(rate)) + "/s" : String.format(Locale.ROOT, "%.1f/s", rate)
    };
  }

  /** Rates since the previous sample of the same leadership, else since the client's leader started. */
  private static Rates rates(Sample now, Sample previous, Map<String, Object> c) {
    Map<String, Object> m = map(c.get("metrics"));
    Map<String, Object> before = null;
    long windowNanos = 0;
    if (previous != null && previous.report().get("pid").equals(now.report().get("pid"))) {
      for (Map<String, Object> p : clients(previous.report())) {
        if (p.get("name").equals(c.get("name")) && number(p, "since") == number(c, "since")) {
          before = map(p.get("metrics"));
          windowNanos = now.nanoTime() - previous.nanoTime();
        }
      }
    }
    boolean sinceStart = before == null || windowNanos <= 0;
    long windowMillis =
        sinceStart ? Math.max(0, number(now.report(), "now") - number(c, "since")) : windowNanos / 1_000_000;
    Map<String, Double> perSecond = new LinkedHashMap<>();
    for (String key : RATED) {
      long delta = number(m, key) - (sinceStart ? 0 : number(before, key));
      perSecond.put(key, windowMillis <= 0 ? 0.0 : Math.max(0, delta) * 1000.0 / windowMillis);
    }
    return new Rates(perSecond, windowMillis, sinceStart);
  }

  private static String columns(List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) {
          line.append(" ".repeat(widths[i] - r[i].length() + 2));
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  private static void indent(StringBuilder sb, String block) {
    block.lines().forEach(l -> sb.append("    ").append(l).append('\n'));
  }

  static String duration(long millis) {
    Duration d = Duration.ofMillis(millis);
    if (d.toDays() > 0) {
      return d.toDays() + "d " + d.toHoursPart() + "h";
    }
    if (d.toHours() > 0) {
      return d.toHours() + "h " + d.toMinutesPart() + "m";
    }
    if (d.toMinutes() > 0) {
      return d.toMinutes() + "m " + d.toSecondsPart() + "s";
    }
    return d.toSeconds() + "s";
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    if (n < 1024L * 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
    }
    return String.format(Locale.ROOT, "%.1f GiB", n / (1024.0 * 1024 * 1024));
  }

  static String micros(long us) {
    if (us < 1000) {
      return us + " us";
    }
    if (us < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f ms", us / 1000.0);
    }
    return String.format(Locale.ROOT, "%.2f s", us / 1_000_000.0);
  }

  private static long number(Map<String, Object> m, String key) {
    return m != null && m.get(key) instanceof Number n ? n.longValue() : 0;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> list(Object o) {
    return o instanceof List<?> l ? (List<T>) l : List.of();
  }

  private static List<Map<String, Object>> clients(Map<String, Object> report) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : list(report.get("clients"))) {
      out.add(map(o));
    }
    return out;
  }
}
