package io.clusterclient.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clusterclient.benchmarks.workload.BusWorker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Workload "bus" ({@code --only bus}): the host-local message bus against the same fan-out through
 * today's subscribe/publish delegation, in processes of their own. Publish throughput with 1 and 4
 * publishers (answered publishes per second, a subscriber process and the leader receiving every
 * value); end-to-end latency to 8 subscriber processes (200 values/s, the latency of the last of the
 * 8 for each value); resume of 100k messages (bus only: delegation keeps no backlog). Prints a
 * markdown table and writes it next to the JSON results as {@code bus-benchmark-results.md}.
 */
final class BusBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(180);

  private final boolean quick;
  private final Launcher.Ours launcher;
  private final List<String[]> rows = new ArrayList<>();

  BusBench(boolean quick, Path logDir) {
    this.quick = quick;
    this.launcher = new Launcher.Ours(logDir, false);
  }

  String run() {
    double[][] bus = measure("bus");
    double[][] del = measure("delegation");
    row("publish throughput, 1 publisher", "answered msgs/s", f(bus[0][0]), f(del[0][0]));
    row("publish throughput, 4 publishers", "answered msgs/s (sum)", f(bus[1][0]), f(del[1][0]));
    row("latency to the last of 8 subscribers, 200 msgs/s", "p50 / p99 (us)",
        f(bus[2][0]) + " / " + f(bus[2][1]), f(del[2][0]) + " / " + f(del[2][1]));
    int resume = quick ? 5_000 : 100_000;
    row("resume of " + resume + " messages, new process", "create to last delivered (ms)", f(bus[3][0]), "n/a (no backlog)");
    row("resume of " + resume + " messages, new subscription in a process", "subscribe to last delivered (ms)", f(bus[3][1]), "n/a (no backlog)");
    StringBuilder md = new StringBuilder("| workload | metric | bus | today's delegation |\n|---|---|---:|---:|\n");
    for (String[] r : rows) {
      md.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    return md.toString();
  }

  private void row(String... cells) {
    rows.add(cells);
  }

  private static String f(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private Child start(String impl, int port, String mode, String label, String... extra) {
    List<String> args = new ArrayList<>(List.of(impl, String.valueOf(port), mode));
    args.addAll(List.of(extra));
    Child c = launcher.startJava(BusWorker.class, false, label, args.toArray(String[]::new));
    return c;
  }

  private static JsonNode call(Child c, String op, Object... kv) {
    ObjectNode cmd = JSON.createObjectNode().put("op", op);
    for (int i = 0; i < kv.length; i += 2) {
      cmd.putPOJO((String) kv[i], kv[i + 1]);
    }
    return c.call(cmd, WAIT);
  }

  /** @return throughput 1, throughput 4, latency p50/p99, resume new process / in process */
  private double[][] measure(String impl) {
    int rounds = quick ? 1 : 3;
    long ms = quick ? 300 : 2000;
    int paced = quick ? 100 : 600;
    int resume = quick ? 5_000 : 100_000;
    double[][] out = new double[4][2];
    List<Child> all = new ArrayList<>();
    try {
      int port = Suite.freePort();
      Child leader = start(impl, port, "leader", impl + "-bus-leader");
      all.add(leader);
      leader.await("READY", WAIT);
      List<Child> pubs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        pubs.add(start(impl, port, "member", impl + "-bus-pub" + i));
      }
      List<Child> subs = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        subs.add(start(impl, port, "member", impl + "-bus-sub" + i));
      }
      all.addAll(pubs);
      all.addAll(subs);
      for (Child c : pubs) {
        c.await("READY", WAIT);
      }
      for (Child c : subs) {
        c.await("READY", WAIT);
        call(c, "sub");
      }
      call(pubs.get(0), "pub", "ms", ms, "window", 2000); // warm-up
      double[] one = new double[rounds];
      double[] four = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        one[r] = call(pubs.get(0), "pub", "ms", ms, "window", 2000).path("perSecond").asDouble();
        for (Child p : pubs) {
          p.send(JSON.createObjectNode().put("op", "pub").put("ms", ms).put("window", 2000));
        }
        double sum = 0;
        for (Child p : pubs) {
          sum += p.awaitJson("RESULT", WAIT).path("perSecond").asDouble();
        }
        four[r] = sum;
      }
      out[0][0] = median(one);
      out[1][0] = median(four);
      // latency: drain what the throughput rounds left in flight first
      awaitQuiet(subs);
      call(pubs.get(0), "paced", "count", paced, "intervalUs", 5000); // warm-up
      for (Child s : subs) {
        call(s, "lat", "count", paced);
      }
      List<Double> worst = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        call(pubs.get(0), "paced", "count", paced, "intervalUs", 5000);
        awaitQuiet(subs);
        long[] max = new long[paced];
        for (Child s : subs) {
          JsonNode ns = call(s, "lat", "count", paced).path("ns");
          for (int i = 0; i < paced; i++) {
            max[i] = ns.get(i).asLong() < 0 ? Long.MAX_VALUE : Math.max(max[i], ns.get(i).asLong());
          }
        }
        for (long m : max) {
          worst.add(m == Long.MAX_VALUE ? Double.NaN : m / 1000.0);
        }
      }
      double[] w = worst.stream().filter(d -> !d.isNaN()).mapToDouble(Double::doubleValue).sorted().toArray();
      out[2][0] = w.length == 0 ? Double.NaN : w[(int) (w.length * 0.50)];
      out[2][1] = w.length == 0 ? Double.NaN : w[Math.min(w.length - 1, (int) (w.length * 0.99))];
      for (Child c : all) {
        c.close();
      }
      all.clear();
      if (impl.equals("bus")) {
        int port2 = Suite.freePort();
        Child l2 = start(impl, port2, "leader", "bus-resume-leader");
        all.add(l2);
        l2.await("READY", WAIT);
        call(l2, "fill", "count", resume);
        Child fresh = start(impl, port2, "resume", "bus-resume-new", String.valueOf(resume));
        all.add(fresh);
        out[3][0] = fresh.awaitJson("RESULT", WAIT).path("ms").asDouble();
        fresh.await("READY", WAIT);
        out[3][1] = call(fresh, "replay", "count", resume).path("ms").asDouble();
      } else {
        out[3][0] = Double.NaN;
        out[3][1] = Double.NaN;
      }
      return out;
    } finally {
      for (Child c : all) {
        c.close();
      }
    }
  }

  /** Until no subscriber's count moves for 300 ms. */
  private static void awaitQuiet(List<Child> subs) {
    long[] last = new long[subs.size()];
    Arrays.fill(last, -1);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      boolean moved = false;
      for (int i = 0; i < subs.size(); i++) {
        long n = call(subs.get(i), "count").path("count").asLong();
        moved |= n != last[i];
        last[i] = n;
      }
      if (!moved) {
        return;
      }
      try {
        Thread.sleep(300); // polling a child's counter, not waiting for a condition of this process
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchmarkException("interrupted");
      }
    }
    throw new BenchmarkException("subscribers never went quiet");
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
