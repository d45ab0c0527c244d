package io.clusterclient.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the workloads of one implementation and records their figures. Each workload's processes are
 * separate JVMs (or Node.js processes) started here; a failed workload is recorded and the next one
 * runs. Used by one thread.
 */
final class Suite {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final int[] PAYLOAD_SIZES = {1024, 64 * 1024, 1024 * 1024};
  static final String[] PAYLOAD_METRICS = {"d.1k", "d.64k", "d.1m"};

  private final Settings settings;
  private final Results results;
  private final Launcher launcher;
  private final Impl impl;
  private final Set<String> workloads;
  private final List<Child> children = new ArrayList<>();
  private int sequence;

  Suite(Settings settings, Results results, Launcher launcher, Set<String> workloads) {
    this.settings = settings;
    this.results = results;
    this.launcher = launcher;
    this.impl = launcher.impl;
    this.workloads = workloads;
  }

  /** Runs every selected workload of this implementation. */
  void run() {
    if (wants("a", "b", "c", "d", "e", "g")) {
      try {
        sharedLeaderWorkloads();
      } catch (RuntimeException e) {
        results.note(impl.title() + ": cluster could not start: " + e.getMessage());
      } finally {
        closeAll();
      }
    }
    runRollingRestart();
    if (wants("f")) {
      if (!launcher.failover()) {
        return;
      }
      try {
        failover();
      } catch (RuntimeException e) {
        results.fail(impl, e.getMessage(), "f.p50", "f.p99", "f.max", "f.failed");
      } finally {
        closeAll();
      }
    }
  }

  private void runRollingRestart() {
    if (!wants("h") || !launcher.failover()) {
      return;
    }
    try {
      rollingRestart();
    } catch (RuntimeException e) {
      results.fail(impl, e.getMessage(), "h.p50", "h.p99", "h.leaders", "h.failed");
    } finally {
      closeAll();
    }
  }

  private boolean wants(String... ids) {
    for (String id : ids) {
      if (workloads.contains(id)) {
        return true;
      }
    }
    return false;
  }

  private String label(String role) {
    return impl.key() + "-" + role + "-" + (++sequence);
  }

  private Child track(Child c) {
    children.add(c);
    return c;
  }

  private void closeAll() {
    // Followers first, so that no follower starts an election when the leader leaves.
    for (int i = children.size() - 1; i >= 0; i--) {
      children.get(i).close();
    }
    children.clear();
  }

  private JsonNode ready(Child c) {
    return c.awaitJson("READY", READY_TIMEOUT);
  }

  // ---- (a) to (e) and (g): one leader, followers added as workloads need them ----

  private void sharedLeaderWorkloads() {
    int port = freePort();
    String name = "bench-" + impl.key();
    Child leader = track(launcher.leader(port, name, label("leader")));
    ready(leader);
    if (impl != Impl.RAW) {
      clockCheck(leader);
    }
    List<Child> followers = new ArrayList<>();
    followers.add(startMember(port, name));

    if (wants("a")) {
      step("a", () -> sequential(followers.get(0), false), "a.p50", "a.p99", "a.cps");
      if (impl != Impl.NODE) {
        step("a async", () -> sequential(followers.get(0), true), "a.async.p50", "a.async.p99");
      } else {
        // Node.js has one call style, a callback or promise: its (a) is that, shown on both rows.
        results.put("a.async.p50", impl, results.get("a.p50", impl));
        results.put("a.async.p99", impl, results.get("a.p99", impl));
      }
    }
    if (wants("b")) {
      step("b", () -> inFlight(followers.get(0)), "b.cps");
    }
    if (wants("d")) {
      for (int i = 0; i < PAYLOAD_SIZES.length; i++) {
        int size = PAYLOAD_SIZES[i];
        String metric = PAYLOAD_METRICS[i];
        step("d " + size + " B", () -> payload(followers.get(0), size, metric), metric);
      }
    }
    if (wants("c")) {
      step("c", () -> {
        while (followers.size() < settings.followers()) {
          followers.add(startMember(port, name));
        }
        manyFollowers(followers.subList(0, settings.followers()));
      }, "c.cps");
    }
    if (wants("e") && launcher.pubSub()) {
      step("e", () -> {
        while (followers.size() < settings.subscribers() + 1) {
          followers.add(startMember(port, name));
        }
        publishFanOut(followers.subList(0, settings.subscribers()), followers.get(settings.subscribers()));
      }, "e.p50", "e.p99", "e.lost");
    }
    if (wants("g")) {
      step("g", () -> footprint(port, name),
          "g.threads", "g.heap", "g.ready", "g.threadsCalls", "g.heapCalls");
    }
    if ((wants("a") || wants("b")) && launcher instanceof Launcher.Ours ours) {
      overUnixSocket(ours.overUnixSocket());
    }
  }

  /** (a) and (b) again, with a leader and a follower that elect over a Unix-domain socket. */
  private void overUnixSocket(Launcher unix) {
    int port = freePort();
    String name = "bench-ours-unix";
    List<String> metrics = new ArrayList<>();
    if (wants("a")) {
      metrics.addAll(List.of("a.unix.p50", "a.unix.p99"));
    }
    if (wants("b")) {
      metrics.add("b.unix.cps");
    }
    step("a, b over a Unix socket", () -> {
      Child leader = track(unix.leader(port, name, label("unix-leader")));
      ready(leader);
      Child follower = track(unix.member(port, name, label("unix-member"), "member"));
      JsonNode r = ready(follower);
      if (!"FOLLOWER".equals(r.path("role").asText())) {
        throw new BenchmarkException(follower.name() + " is " + r.path("role").asText() + ", not a follower");
      }
      if (wants("a")) {
        JsonNode seq = follower.call(
            schedule("seq", settings.warmupMs(), settings.roundMs()).put("async", false),
            timeoutOf(settings.warmupMs(), settings.roundMs()));
        checkErrors("(a) unix", seq);
        results.detail("a.unix." + impl.key(), seq);
        results.put("a.unix.p50", impl, Figure.of(perRound(seq, "p50us")));
        results.put("a.unix.p99", impl, Figure.of(perRound(seq, "p99us")));
      }
      if (wants("b")) {
        JsonNode window = follower.call(
            schedule("inflight", settings.warmupMs(), settings.roundMs()).put("window", 64),
            timeoutOf(settings.warmupMs(), settings.roundMs()));
        checkErrors("(b) unix", window);
        results.detail("b.unix." + impl.key(), window);
        results.put("b.unix.cps", impl, Figure.of(perRound(window, "callsPerSec")));
      }
    }, metrics.toArray(new String[0]));
  }

  private Child startMember(int port, String name) {
    Child c = track(launcher.member(port, name, label("member"), "member"));
    JsonNode r = ready(c);
    if (!"FOLLOWER".equals(r.path("role").asText())) {
      throw new BenchmarkException(c.name() + " is " + r.path("role").asText() + ", not a follower");
    }
    return c;
  }

  private void step(String what, Runnable body, String... metrics) {
    long t0 = System.nanoTime();
    System.out.printf("[bench] %s (%s) ...%n", what, impl.title());
    try {
      body.run();
      System.out.printf("[bench] %s (%s) done in %.1f s%n", what, impl.title(), (System.nanoTime() - t0) / 1e9);
    } catch (RuntimeException e) {
      results.fail(impl, String.valueOf(e.getMessage()), metrics);
    }
  }

  /**
   * Checks that a child's {@link System#nanoTime()} (or Node.js's hrtime) is this process's clock:
   * each reading must fall between the instants this process sent the question and got the answer.
   */
  private void clockCheck(Child child) {
    int n = 20;
    int inside = 0;
    long worstRtt = 0;
    for (int i = 0; i < n; i++) {
      long sent = System.nanoTime();
      JsonNode r = child.call(cmd("clock"), Duration.ofSeconds(10));
      long back = System.nanoTime();
      long theirs = r.path("now").asLong();
      if (sent <= theirs && theirs <= back) {
        inside++;
      }
      worstRtt = Math.max(worstRtt, back - sent);
    }
    ObjectNode check = JSON.createObjectNode()
        .put("samples", n)
        .put("inside", inside)
        .put("worstRoundTripUs", worstRtt / 1e3)
        .put("shared", inside == n);
    results.detail("clock." + impl.key(), check);
    if (inside != n) {
      results.note(impl.title() + ": a child's monotonic clock is NOT this process's (" + inside + "/" + n
          + " readings inside the round trip): cross-process latencies of (c) and (e) are suspect");
    } else {
      System.out.printf("[bench] clock check (%s): %d/%d child readings inside the round trip: one clock%n",
          impl.title(), inside, n);
    }
  }

  static ObjectNode cmd(String op) {
    return JSON.createObjectNode().put("op", op);
  }

  private ObjectNode schedule(String op, int warmupMs, int roundMs) {
    return cmd(op).put("warmupMs", warmupMs).put("rounds", settings.rounds()).put("roundMs", roundMs);
  }

  private Duration timeoutOf(int warmupMs, int roundMs) {
    return Duration.ofMillis(warmupMs + (long) settings.rounds() * roundMs + 60_000);
  }

  private static List<Double> perRound(JsonNode result, String field) {
    List<Double> out = new ArrayList<>();
    for (JsonNode r : result.path("rounds")) {
      out.add(r.path(field).asDouble());
    }
    return out;
  }

  private void checkErrors(String what, JsonNode r) {
    long errors = r.path("errors").asLong();
    if (errors > 0) {
      results.note(impl.title() + ": " + what + " had " + errors + " failed calls");
    }
  }

  private void sequential(Child follower, boolean async) {
    JsonNode r = follower.call(
        schedule("seq", settings.warmupMs(), settings.roundMs()).put("async", async),
        timeoutOf(settings.warmupMs(), settings.roundMs()));
    String key = async ? "a.async" : "a";
    checkErrors(async ? "(a) async" : "(a)", r);
    results.detail(key + "." + impl.key(), r);
    results.put(key + ".p50", impl, Figure.of(perRound(r, "p50us")));
    results.put(key + ".p99", impl, Figure.of(perRound(r, "p99us")));
    if (!async) {
      results.put("a.cps", impl, Figure.of(perRound(r, "callsPerSec")));
    }
  }

  private void inFlight(Child follower) {
    JsonNode r = follower.call(schedule("inflight", settings.warmupMs(), settings.roundMs()).put("window", 64),
        timeoutOf(settings.warmupMs(), settings.roundMs()));
    checkErrors("(b)", r);
    results.detail("b." + impl.key(), r);
    results.put("b.cps", impl, Figure.of(perRound(r, "callsPerSec")));
  }

  private void payload(Child follower, int size, String metric) {
    ObjectNode c = schedule("inflight", settings.payloadWarmupMs(), settings.payloadRoundMs())
        .put("window", settings.payloadWindow())
        .put("kind", "bytes")
        .put("size", size);
    JsonNode r = follower.call(c, timeoutOf(settings.payloadWarmupMs(), settings.payloadRoundMs()));
    checkErrors("(d) " + size + " B", r);
    results.detail(metric + "." + impl.key(), r);
    results.put(metric, impl, Figure.of(perRound(r, "mbPerSec")));
  }

  /** (c): every follower measures the same rounds of the shared clock; a round's figure is their sum. */
  private void manyFollowers(List<Child> followers) {
    long startAt = System.nanoTime() + 500_000_000L;
    ObjectNode c = schedule("inflight", settings.manyWarmupMs(), settings.roundMs())
        .put("window", 64)
        .put("startAt", String.valueOf(startAt));
    for (Child f : followers) {
      f.send(c);
    }
    double[] sums = new double[settings.rounds()];
    ArrayNode all = JSON.createArrayNode();
    for (Child f : followers) {
      JsonNode r = f.awaitJson("RESULT", timeoutOf(settings.manyWarmupMs() + 500, settings.roundMs()));
      checkErrors("(c)", r);
      all.add(r);
      List<Double> cps = perRound(r, "callsPerSec");
      for (int i = 0; i < sums.length; i++) {
        sums[i] += cps.get(i);
      }
    }
    results.detail("c." + impl.key(), all);
    List<Double> samples = new ArrayList<>();
    for (double s : sums) {
      samples.add(s);
    }
    results.put("c.cps", impl, Figure.of(samples));
  }

  /**
   * (e): a publisher follower publishes "seq:sentNanos" at a steady pace; each subscriber's listener
   * notes when each value arrived, on the shared clock. A value's latency is that of the last
   * subscriber to get it; a value some subscriber never got is lost.
   */
  private void publishFanOut(List<Child> subscribers, Child publisher) {
    String dataId = "bench-e";
    for (Child s : subscribers) {
      s.call(cmd("subscribe").put("dataId", dataId), Duration.ofSeconds(30));
    }
    sleepMillis(500); // the subscriptions reach the leader and its real client
    List<Double> p50 = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    long lost = 0;
    long seq = 0;
    ArrayNode rounds = JSON.createArrayNode();
    for (int round = -settings.publishWarmupRounds(); round < settings.rounds(); round++) { // < 0 warm up
      ObjectNode c = cmd("publish")
          .put("dataId", dataId)
          .put("count", settings.publishes())
          .put("intervalUs", settings.publishIntervalUs())
          .put("seq0", seq);
      publisher.call(c, Duration.ofMillis(60_000L + (long) settings.publishes() * settings.publishIntervalUs() / 1000));
      sleepMillis(300); // the last values drain
      Map<Long, long[]> worst = new HashMap<>(); // seq -> {subscribers that got it, max latency}
      for (Child s : subscribers) {
        JsonNode r = s.call(cmd("collect"), Duration.ofSeconds(30));
        JsonNode seqs = r.path("seq");
        JsonNode lat = r.path("latNs");
        for (int i = 0; i < seqs.size(); i++) {
          long k = seqs.get(i).asLong();
          if (k < seq || k >= seq + settings.publishes()) {
            continue; // a value of an earlier round (the leader replays the latest to late subscribers)
          }
          long[] w = worst.computeIfAbsent(k, x -> new long[2]);
          w[0]++;
          w[1] = Math.max(w[1], lat.get(i).asLong());
        }
      }
      List<Double> last = new ArrayList<>();
      int roundLost = 0;
      for (long k = seq; k < seq + settings.publishes(); k++) {
        long[] w = worst.get(k);
        if (w == null || w[0] < subscribers.size()) {
          roundLost++;
        } else {
          last.add(w[1] / 1e3);
        }
      }
      seq += settings.publishes();
      if (round < 0) {
        continue;
      }
      lost += roundLost;
      rounds.addObject()
          .put("delivered", last.size())
          .put("lost", roundLost)
          .put("p50us", Figure.percentile(last, 0.5))
          .put("p99us", Figure.percentile(last, 0.99))
          .put("maxUs", Figure.percentile(last, 1.0));
      if (!last.isEmpty()) {
        p50.add(Figure.percentile(last, 0.5));
        p99.add(Figure.percentile(last, 0.99));
      }
    }
    results.detail("e." + impl.key(), rounds);
    results.put("e.p50", impl, Figure.of(p50));
    results.put("e.p99", impl, Figure.of(p99));
    results.put("e.lost", impl, Figure.single(lost));
  }

  /**
   * (g): fresh follower processes against the running leader. Startup runs measure from just before
   * the process is started to its READY line; footprint runs measure threads and heap inside the
   * follower, before the client is created and after ready() (and after 1000 calls).
   */
  private void footprint(int port, String name) {
    List<Double> readyMs = new ArrayList<>();
    ArrayNode startups = JSON.createArrayNode();
    for (int i = 0; i < settings.footprintRuns(); i++) {
      Child c = launcher.member(port, name, label("startup"), "startup");
      try {
        JsonNode r = ready(c);
        long seen = System.nanoTime();
        readyMs.add((seen - c.launchedNanos()) / 1e6);
        startups.addObject()
            .put("launchToReadyLineMs", (seen - c.launchedNanos()) / 1e6)
            .put("launchToMainMs", (r.path("mainNanos").asLong() - c.launchedNanos()) / 1e6)
            .put("createToReadyMs", (r.path("readyNanos").asLong() - r.path("createNanos").asLong()) / 1e6);
        c.waitFor(Duration.ofSeconds(10));
      } finally {
        c.close();
      }
    }
    results.detail("g.startup." + impl.key(), startups);
    results.put("g.ready", impl, Figure.of(readyMs));

    List<Double> threads = new ArrayList<>();
    List<Double> heap = new ArrayList<>();
    List<Double> threadsCalls = new ArrayList<>();
    List<Double> heapCalls = new ArrayList<>();
    ArrayNode prints = JSON.createArrayNode();
    for (int i = 0; i < settings.footprintRuns(); i++) {
      Child c = launcher.member(port, name, label("footprint"), "footprint");
      try {
        JsonNode r = c.awaitJson("FOOTPRINT", READY_TIMEOUT);
        prints.add(r);
        threads.add(r.path("afterReady").path("threadsAdded").asDouble());
        heap.add(r.path("afterReady").path("heapAddedBytes").asDouble() / (1 << 20));
        threadsCalls.add(r.path("afterCalls").path("threadsAdded").asDouble());
        heapCalls.add(r.path("afterCalls").path("heapAddedBytes").asDouble() / (1 << 20));
        c.waitFor(Duration.ofSeconds(10));
      } finally {
        c.close();
      }
    }
    results.detail("g.footprint." + impl.key(), prints);
    results.put("g.threads", impl, Figure.of(threads));
    results.put("g.heap", impl, Figure.of(heap));
    results.put("g.threadsCalls", impl, Figure.of(threadsCalls));
    results.put("g.heapCalls", impl, Figure.of(heapCalls));
  }

  // ---- (f) failover ----

  /**
   * (f): N members under load (every process calls, the leader too), and the leader is killed with
   * SIGKILL, again and again; after each kill a new member joins so that N stays constant. A round's
   * gap is the longest time any survivor went without a successful call, from just before the kill
   * until every survivor succeeds again; failed calls are what the survivors' calls threw.
   */
  private void failover() {
    System.out.printf("[bench] f (%s) ...%n", impl.title());
    long t0 = System.nanoTime();
    int port = freePort();
    String name = "bench-f-" + impl.key();
    List<Child> members = new ArrayList<>();
    for (int i = 0; i < settings.failoverMembers(); i++) {
      members.add(loadedMember(port, name));
    }
    sleepMillis(settings.quick() ? 300 : 1500); // warm up
    List<Double> gaps = new ArrayList<>();
    List<Double> detects = new ArrayList<>();
    List<Double> elects = new ArrayList<>();
    long failed = 0;
    ArrayNode rounds = JSON.createArrayNode();
    for (int round = 0; round < settings.failoverRounds(); round++) {
      Child leader = awaitOneLeader(members, Duration.ofSeconds(20));
      for (Child c : members) {
        c.call(cmd("mark"), Duration.ofSeconds(10));
      }
      sleepMillis(20);
      long killedAt = System.nanoTime();
      leader.kill();
      members.remove(leader);
      children.remove(leader);
      Recovery recovery = awaitRecovery(members, killedAt + Duration.ofSeconds(20).toNanos());
      long rolesOkAt = recovery.rolesOkAt();
      List<JsonNode> stats = recovery.stats();
      boolean recovered = recovery.recovered();
      double gapMs = 0;
      long roundFailed = 0;
      ArrayNode errors = JSON.createArrayNode();
      // Where the gap goes (this library's workers report role changes): kill -> the survivor sees
      // the leader lost -> the survivor leads or follows again -> its calls succeed again.
      double detectMs = -1;
      double electMs = -1;
      for (JsonNode s : stats) {
        gapMs = Math.max(gapMs, s.path("maxSilence").asLong() / 1e6);
        roundFailed += s.path("failures").asLong();
        if (!s.path("lastError").isNull()) {
          errors.add(s.path("lastError").asText());
        }
        long electing = s.path("electingAt").asLong();
        long connected = s.path("connectedAt").asLong();
        if (electing > killedAt) {
          detectMs = Math.max(detectMs, (electing - killedAt) / 1e6);
          if (connected > electing) {
            electMs = Math.max(electMs, (connected - electing) / 1e6);
          }
        }
      }
      if (!recovered) {
        gapMs = (System.nanoTime() - killedAt) / 1e6;
        results.note(impl.title() + ": (f) round " + (round + 1) + " did not recover within 20 s");
      }
      gaps.add(gapMs);
      if (detectMs >= 0 && electMs >= 0) {
        detects.add(detectMs);
        elects.add(electMs);
      }
      failed += roundFailed;
      ObjectNode r = rounds.addObject()
          .put("gapMs", gapMs)
          .put("failed", roundFailed)
          .put("recovered", recovered)
          .put("newLeaderSeenByHarnessMs", rolesOkAt == 0 ? -1 : (rolesOkAt - killedAt) / 1e6)
          .put("killToLostMsMax", detectMs)
          .put("lostToReconnectedMsMax", electMs);
      r.set("lastErrors", errors);
      // N stays constant: a new process joins (as a follower) and takes its share of the load.
      members.add(loadedMember(port, name));
      sleepMillis(settings.quick() ? 200 : 500);
    }
    results.detail("f." + impl.key(), rounds);
    if (!detects.isEmpty()) {
      results.note(String.format(java.util.Locale.ROOT,
          "%s (f) where the gap goes, p50 (max) over rounds: SIGKILL -> survivors see the leader lost %.1f"
              + " (%.1f) ms; lost -> leading or following again %.1f (%.1f) ms; gap %.1f (%.1f) ms",
          impl.title(), Figure.percentile(detects, 0.5), Figure.percentile(detects, 1.0),
          Figure.percentile(elects, 0.5), Figure.percentile(elects, 1.0),
          Figure.percentile(gaps, 0.5), Figure.percentile(gaps, 1.0)));
    }
    results.put("f.p50", impl, Figure.single(Figure.percentile(gaps, 0.5)));
    results.put("f.p99", impl, Figure.single(Figure.percentile(gaps, 0.99)));
    results.put("f.max", impl, Figure.single(Figure.percentile(gaps, 1.0)));
    results.put("f.failed", impl, Figure.single(failed));
    System.out.printf("[bench] f (%s) done in %.1f s%n", impl.title(), (System.nanoTime() - t0) / 1e9);
  }

  // ---- (h) rolling restart ----

  /**
   * (h): N members under load, as in (f); each round stops the oldest member with SIGTERM, as a
   * rolling restart of a multi-worker server does, waits for it to exit, and starts its
   * replacement. The leader is the oldest in many rounds. Failed calls are what the survivors'
   * calls threw (any call, idempotent or not); a round's gap is the longest time a survivor went
   * without a successful call, reported over the rounds where the leader left.
   */
  private void rollingRestart() {
    System.out.printf("[bench] h (%s) ...%n", impl.title());
    long t0 = System.nanoTime();
    int port = freePort();
    String name = "bench-h-" + impl.key();
    List<Child> members = new ArrayList<>();
    for (int i = 0; i < settings.failoverMembers(); i++) {
      members.add(loadedMember(port, name));
    }
    sleepMillis(settings.quick() ? 300 : 1500); // warm up
    List<Double> gaps = new ArrayList<>();
    long failed = 0;
    int leaderRounds = 0;
    ArrayNode rounds = JSON.createArrayNode();
    for (int round = 0; round < settings.failoverRounds(); round++) {
      Child leader = awaitOneLeader(members, Duration.ofSeconds(20));
      Child leaving = members.get(0);
      boolean wasLeader = leaving == leader;
      for (Child c : members) {
        c.call(cmd("mark"), Duration.ofSeconds(10));
      }
      sleepMillis(20);
      long stoppedAt = System.nanoTime();
      leaving.terminate();
      boolean exited = leaving.waitFor(Duration.ofSeconds(20));
      long exitedAt = System.nanoTime();
      if (!exited) {
        leaving.kill();
        results.note(impl.title() + ": (h) round " + (round + 1) + ": SIGTERM did not stop the process within 20 s");
      }
      members.remove(leaving);
      children.remove(leaving);
      Recovery recovery = awaitRecovery(members, exitedAt + Duration.ofSeconds(20).toNanos());
      List<JsonNode> stats = recovery.stats();
      boolean recovered = recovery.recovered();
      double gapMs = 0;
      double gapStartMs = 0;
      long roundFailed = 0;
      ArrayNode errors = JSON.createArrayNode();
      for (JsonNode s : stats) {
        double silence = s.path("maxSilence").asLong() / 1e6;
        if (silence > gapMs) {
          gapMs = silence;
          // Where the longest silence began, from SIGTERM: the same clock in every process.
          gapStartMs = (s.path("maxSilenceEnd").asLong() - s.path("maxSilence").asLong() - stoppedAt) / 1e6;
        }
        roundFailed += s.path("failures").asLong();
        if (!s.path("lastError").isNull()) {
          errors.add(s.path("lastError").asText());
        }
      }
      if (!recovered) {
        gapMs = (System.nanoTime() - stoppedAt) / 1e6;
        results.note(impl.title() + ": (h) round " + (round + 1) + " did not recover within 20 s");
      }
      if (wasLeader) {
        leaderRounds++;
        gaps.add(gapMs);
      }
      failed += roundFailed;
      ObjectNode r = rounds.addObject()
          .put("leaderLeft", wasLeader)
          .put("gapMs", gapMs)
          .put("failed", roundFailed)
          .put("recovered", recovered)
          .put("gapStartAfterSigtermMs", gapStartMs)
          .put("sigtermToExitMs", (exitedAt - stoppedAt) / 1e6);
      r.set("lastErrors", errors);
      members.add(loadedMember(port, name));
      sleepMillis(settings.quick() ? 200 : 500);
    }
    results.detail("h." + impl.key(), rounds);
    if (!gaps.isEmpty()) {
      results.put("h.p50", impl, Figure.single(Figure.percentile(gaps, 0.5)));
      results.put("h.p99", impl, Figure.single(Figure.percentile(gaps, 0.99)));
    }
    results.put("h.leaders", impl, Figure.single(leaderRounds));
    results.put("h.failed", impl, Figure.single(failed));
    System.out.printf("[bench] h (%s) done in %.1f s%n", impl.title(), (System.nanoTime() - t0) / 1e9);
  }

  /** A new member of (f) and (h): started, ready, and calling in the background. */
  private Child loadedMember(int port, String name) {
    Child c = track(launcher.member(port, name, label("peer"), "member"));
    ready(c);
    c.call(cmd("load").put("threads", 2).put("pauseUs", 100), Duration.ofSeconds(10));
    return c;
  }

  /**
   * What the survivors said once they had recovered, or at the deadline.
   *
   * @param stats each survivor's last {@code stat}
   * @param recovered whether one leads, the rest follow, and every one has succeeded since
   * @param rolesOkAt when the roles were first right, or 0
   */
  private record Recovery(List<JsonNode> stats, boolean recovered, long rolesOkAt) {}

  /** Polls the survivors until one leads, the others follow and each has had a call succeed since. */
  private Recovery awaitRecovery(List<Child> members, long deadline) {
    long rolesOkAt = 0;
    while (true) {
      List<JsonNode> stats = new ArrayList<>();
      for (Child c : members) {
        stats.add(c.call(cmd("stat"), Duration.ofSeconds(10)));
      }
      long now = System.nanoTime();
      int leaders = 0;
      int followers = 0;
      for (JsonNode s : stats) {
        String role = s.path("role").asText();
        leaders += role.equals("LEADER") ? 1 : 0;
        followers += role.equals("FOLLOWER") ? 1 : 0;
      }
      if (rolesOkAt == 0 && leaders == 1 && leaders + followers == members.size()) {
        rolesOkAt = now;
      }
      if (rolesOkAt != 0) {
        boolean all = true;
        for (JsonNode s : stats) {
          all &= s.path("lastSuccess").asLong() > rolesOkAt;
        }
        if (all) {
          return new Recovery(stats, true, rolesOkAt);
        }
      }
      if (now > deadline) {
        return new Recovery(stats, false, rolesOkAt);
      }
      sleepMillis(10);
    }
  }

  private Child awaitOneLeader(List<Child> members, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Child leader = null;
      int leaders = 0;
      for (Child c : members) {
        if (c.call(cmd("stat"), Duration.ofSeconds(10)).path("role").asText().equals("LEADER")) {
          leader = c;
          leaders++;
        }
      }
      if (leaders == 1) {
        return leader;
      }
      if (System.nanoTime() > deadline) {
        throw new BenchmarkException("(f): " + leaders + " leaders among " + members.size() + " members");
      }
      sleepMillis(20);
    }
  }

  // ---- helpers ----

  static void sleepMillis(long ms) {
    LockSupport.parkNanos(ms * 1_000_000L);
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
