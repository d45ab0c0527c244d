package io.clusterclient.benchmarks.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The command loop of a Java worker process and the workloads it runs. The harness writes one JSON
 * command a line on stdin; the worker answers {@code RESULT <json>} or {@code ERROR <message>} on
 * stdout. Timestamps are {@link System#nanoTime()}, which on Linux reads CLOCK_MONOTONIC, one clock
 * for every process of the host (the harness checks this before it relies on it).
 *
 * <p>Used by one command thread; the load and subscription state is thread-safe.
 */
final class Workloads {
  /** 64 bytes of ASCII: the string every echo sends. */
  static final String PAYLOAD_64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  private static final PrintStream OUT = System.out;
  private final ObjectMapper json = new ObjectMapper();
  private final Target target;

  // subscription workload: what this process's listener received
  private final List<long[]> received = new ArrayList<>();

  // failover workload: the background load
  private final List<Thread> loaders = new ArrayList<>();
  private volatile boolean loading;
  private final AtomicLong lastSuccess = new AtomicLong();
  private final AtomicLong maxSilence = new AtomicLong();
  /** When the longest silence since the mark ended (System.nanoTime()). */
  private volatile long maxSilenceEnd;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong calls = new AtomicLong();
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile String lastError;

  Workloads(Target target) {
    this.target = target;
  }

  /**
   * Finishes a worker's start once its client is ready, alike for every implementation: {@code
   * startup} prints {@code READY} and closes, {@code footprint} measures and closes, any other mode
   * prints {@code READY} and then runs the harness's commands.
   *
   * @param readyLine the {@code READY} line's fields; its {@code role} also labels the footprint
   * @param echoAsync the asynchronous echo the footprint measures
   * @param close closes the client
   * @param commands the target of the commands, made only in the modes that run them
   */
  static void afterReady(
      String mode,
      ObjectNode readyLine,
      Footprint before,
      ObjectMapper json,
      java.util.function.Function<String, CompletableFuture<?>> echoAsync,
      Runnable close,
      java.util.function.Supplier<Target> commands)
      throws Exception {
    switch (mode) {
      case "startup":
        say("READY " + readyLine);
        close.run();
        return;
      case "footprint":
        footprint(before, echoAsync, readyLine.path("role").asText(), json);
        close.run();
        return;
      default:
        say("READY " + readyLine);
        new Workloads(commands.get()).loop();
    }
  }

  /** The fields of a worker's {@code READY} line: its role, pid and start-up instants. */
  static ObjectNode readyLine(
      ObjectMapper json, String role, long started, long creating, long ready) {
    return json.createObjectNode()
        .put("role", role)
        .put("pid", ProcessHandle.current().pid())
        .put("mainNanos", started)
        .put("createNanos", creating)
        .put("readyNanos", ready);
  }

  /**
   * Prints {@code FOOTPRINT} with what {@code ready()} added to a process, and what 1000 calls added
   * after it, both against the footprint taken before the client existed.
   */
  static void footprint(
      Footprint before,
      java.util.function.Function<String, CompletableFuture<?>> echoAsync,
      String role,
      ObjectMapper json)
      throws Exception {
    Footprint afterReady = Footprint.take();
    CompletableFuture<?>[] calls = new CompletableFuture<?>[1000];
    for (int i = 0; i < calls.length; i++) {
      calls[i] = echoAsync.apply(PAYLOAD_64);
      if (i % 64 == 63) {
        calls[i].get(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
    CompletableFuture.allOf(calls).get(30, java.util.concurrent.TimeUnit.SECONDS);
    Footprint afterCalls = Footprint.take();
    com.fasterxml.jackson.databind.node.ObjectNode fp = json.createObjectNode();
    fp.set("afterReady", afterReady.since(before, json));
    fp.set("afterCalls", afterCalls.since(before, json));
    fp.put("role", role);
    say("FOOTPRINT " + fp);
  }

  /** Prints one protocol line, whole, whatever other threads print. */
  static void say(String line) {
    synchronized (OUT) {
      OUT.println(line);
      OUT.flush();
    }
  }

  /** Reads commands until {@code exit} or the end of stdin. */
  void loop() throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode cmd;
      try {
        cmd = json.readTree(line);
      } catch (IOException e) {
        say("ERROR not JSON: " + line);
        continue;
      }
      String op = cmd.path("op").asText();
      if (op.equals("exit")) {
        break;
      }
      try {
        ObjectNode result = run(op, cmd);
        say("RESULT " + json.writeValueAsString(result));
      } catch (Exception | Error e) {
        say("ERROR " + op + ": " + e);
      }
    }
    loading = false;
    target.close();
  }

  private ObjectNode run(String op, JsonNode cmd) throws Exception {
    switch (op) {
      case "clock":
        return json.createObjectNode().put("now", System.nanoTime());
      case "seq":
        return sequential(cmd);
      case "inflight":
        return inFlight(cmd);
      case "subscribe":
        return subscribe(cmd);
      case "collect":
        return collect();
      case "publish":
        return publish(cmd);
      case "load":
        return load(cmd);
      case "mark":
        return mark();
      case "stat":
        return stat();
      default:
        throw new IllegalArgumentException("unknown op " + op);
    }
  }

  // ---- (a) one call at a time ----

  private ObjectNode sequential(JsonNode cmd) throws Exception {
    Schedule s = Schedule.of(cmd);
    // The CompletableFuture method, waited for at once, beside the synchronous one.
    boolean async = cmd.path("async").asBoolean(false);
    s.awaitStart();
    long errors = 0;
    while (System.nanoTime() < s.warmupEnd) {
      try {
        echoOnce(async);
      } catch (Exception e) {
        errors++;
      }
    }
    ArrayNode rounds = json.createArrayNode();
    long[] lat = new long[1 << 16];
    for (int r = 0; r < s.rounds; r++) {
      long end = s.roundEnd(r);
      int n = 0;
      long first = System.nanoTime();
      long last = first;
      while (last < end) {
        long t = last;
        try {
          echoOnce(async);
        } catch (Exception e) {
          errors++;
        }
        last = System.nanoTime();
        if (n == lat.length) {
          lat = Arrays.copyOf(lat, n * 2);
        }
        lat[n++] = last - t;
      }
      long[] sorted = Arrays.copyOf(lat, n);
      Arrays.sort(sorted);
      double seconds = (last - first) / 1e9;
      rounds.addObject()
          .put("calls", n)
          .put("seconds", seconds)
          .put("callsPerSec", n / seconds)
          .put("p50us", percentile(sorted, 0.50) / 1e3)
          .put("p99us", percentile(sorted, 0.99) / 1e3);
    }
    ObjectNode out = json.createObjectNode();
    out.set("rounds", rounds);
    return out.put("errors", errors);
  }

  private void echoOnce(boolean async) throws Exception {
    if (async) {
      target.echoAsync(PAYLOAD_64).get(10, java.util.concurrent.TimeUnit.SECONDS);
    } else {
      target.echo(PAYLOAD_64);
    }
  }

  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  // ---- (b), (c), (d): a window of calls in flight ----

  private ObjectNode inFlight(JsonNode cmd) throws Exception {
    Schedule s = Schedule.of(cmd);
    int window = cmd.path("window").asInt(64);
    boolean bytes = cmd.path("kind").asText("string").equals("bytes");
    int size = cmd.path("size").asInt(64);
    byte[] payload = new byte[size];
    for (int i = 0; i < size; i++) {
      payload[i] = (byte) (i * 31 + 7);
    }
    AtomicLong completed = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicInteger outstanding = new AtomicInteger();
    ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-retry");
      t.setDaemon(true);
      return t;
    });
    InFlight flight = new InFlight(bytes, payload, completed, errors, outstanding, retry);
    s.awaitStart();
    for (int i = 0; i < window; i++) {
      outstanding.incrementAndGet();
      flight.issue();
    }
    sleepUntil(s.warmupEnd);
    ArrayNode rounds = json.createArrayNode();
    long startCount = completed.get();
    long startTime = System.nanoTime();
    for (int r = 0; r < s.rounds; r++) {
      sleepUntil(s.roundEnd(r));
      long count = completed.get();
      long time = System.nanoTime();
      double seconds = (time - startTime) / 1e9;
      long n = count - startCount;
      rounds.addObject()
          .put("calls", n)
          .put("seconds", seconds)
          .put("callsPerSec", n / seconds)
          .put("mbPerSec", n * (double) size / seconds / 1e6);
      startCount = count;
      startTime = time;
    }
    flight.stop = true;
    long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (outstanding.get() > 0 && System.nanoTime() < drainEnd) {
      LockSupport.parkNanos(1_000_000);
    }
    retry.shutdownNow();
    ObjectNode out = json.createObjectNode();
    out.set("rounds", rounds);
    return out.put("errors", errors.get()).put("undrained", outstanding.get());
  }

  /** Keeps a window of asynchronous calls busy: every completion issues the next call. */
  private final class InFlight {
    final boolean bytes;
    final byte[] payload;
    final AtomicLong completed;
    final AtomicLong errors;
    final AtomicInteger outstanding;
    final ScheduledExecutorService retry;
    volatile boolean stop;

    InFlight(
        boolean bytes,
        byte[] payload,
        AtomicLong completed,
        AtomicLong errors,
        AtomicInteger outstanding,
        ScheduledExecutorService retry) {
      this.bytes = bytes;
      this.payload = payload;
      this.completed = completed;
      this.errors = errors;
      this.outstanding = outstanding;
      this.retry = retry;
    }

    void issue() {
      if (stop) {
        outstanding.decrementAndGet();
        return;
      }
      CompletableFuture<?> f;
      try {
        f = bytes ? target.echoBytes(payload) : target.echoAsync(PAYLOAD_64);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete(
          (v, e) -> {
            if (e == null) {
              completed.incrementAndGet();
              issue();
            } else {
              // Not from this stack: a call that fails at once would recurse without bound.
              errors.incrementAndGet();
              retry.schedule(this::issue, 1, TimeUnit.MILLISECONDS);
            }
          });
    }
  }

  // ---- (e) publish to subscribed followers ----

  private ObjectNode subscribe(JsonNode cmd) {
    target.subscribe(
        cmd.path("dataId").asText(),
        value -> {
          long now = System.nanoTime();
          int colon = value.indexOf(':');
          long seq = Long.parseLong(value, 0, colon, 10);
          long sent = Long.parseLong(value, colon + 1, value.length(), 10);
          synchronized (received) {
            received.add(new long[] {seq, now - sent});
          }
        });
    return json.createObjectNode();
  }

  private ObjectNode collect() {
    ObjectNode out = json.createObjectNode();
    ArrayNode seqs = out.putArray("seq");
    ArrayNode lat = out.putArray("latNs");
    synchronized (received) {
      for (long[] r : received) {
        seqs.add(r[0]);
        lat.add(r[1]);
      }
      received.clear();
    }
    return out;
  }

  private ObjectNode publish(JsonNode cmd) {
    String dataId = cmd.path("dataId").asText();
    int count = cmd.path("count").asInt();
    long seq0 = cmd.path("seq0").asLong();
    long interval = cmd.path("intervalUs").asLong(5000) * 1000;
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      sleepUntil(start + i * interval);
      target.publish(dataId, (seq0 + i) + ":" + System.nanoTime());
    }
    return json.createObjectNode().put("published", count);
  }

  // ---- (f) failover: background load, silence measured at each success ----

  private ObjectNode load(JsonNode cmd) {
    int threads = cmd.path("threads").asInt(2);
    long pause = cmd.path("pauseUs").asLong(100) * 1000;
    if (!loading) {
      loading = true;
      lastSuccess.set(System.nanoTime());
      for (int i = 0; i < threads; i++) {
        Thread t = new Thread(() -> loadLoop(pause), "bench-load-" + i);
        t.setDaemon(true);
        t.start();
        loaders.add(t);
      }
    }
    return json.createObjectNode();
  }

  private void loadLoop(long pauseNanos) {
    while (loading) {
      try {
        target.echo(PAYLOAD_64);
        long now = System.nanoTime();
        long prev = lastSuccess.getAndAccumulate(now, Math::max);
        if (prev >= windowStart && now > prev) {
          long silence = now - prev;
          if (maxSilence.accumulateAndGet(silence, Math::max) == silence) {
            maxSilenceEnd = now;
          }
        }
      } catch (io.clusterclient.ClusterClosedException e) {
        return; // this process is leaving (SIGTERM in workload h): its load stops, as a server's would
      } catch (Exception e) {
        failures.incrementAndGet();
        lastError = e.toString();
      }
      calls.incrementAndGet();
      if (pauseNanos > 0) {
        LockSupport.parkNanos(pauseNanos);
      }
    }
  }

  private ObjectNode mark() {
    maxSilence.set(0);
    maxSilenceEnd = 0;
    failures.set(0);
    calls.set(0);
    lastError = null;
    windowStart = System.nanoTime();
    return json.createObjectNode().put("now", windowStart);
  }

  private ObjectNode stat() {
    return json.createObjectNode()
        .put("role", target.role())
        .put("lastSuccess", lastSuccess.get())
        .put("maxSilence", maxSilence.get())
        .put("maxSilenceEnd", maxSilenceEnd)
        .put("failures", failures.get())
        .put("calls", calls.get())
        .put("lastError", lastError)
        .put("electingAt", target.electingAt())
        .put("connectedAt", target.connectedAt())
        .put("now", System.nanoTime());
  }

  // ---- timing ----

  static void sleepUntil(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(Math.min(left, 50_000_000L));
    }
  }

  /**
   * When a measurement starts (a shared-clock instant, so that several processes measure the same
   * windows), how long it warms up, and its rounds.
   */
  private static final class Schedule {
    final long start;
    final long warmupEnd;
    final int rounds;
    final long roundNanos;

    private Schedule(long start, long warmupNanos, int rounds, long roundNanos) {
      this.start = start;
      this.warmupEnd = start + warmupNanos;
      this.rounds = rounds;
      this.roundNanos = roundNanos;
    }

    static Schedule of(JsonNode cmd) {
      long startAt = cmd.path("startAt").asLong(0);
      long start = startAt == 0 ? System.nanoTime() : startAt;
      return new Schedule(
          start,
          cmd.path("warmupMs").asLong(1000) * 1_000_000,
          cmd.path("rounds").asInt(3),
          cmd.path("roundMs").asLong(1000) * 1_000_000);
    }

    void awaitStart() {
      sleepUntil(start);
    }

    long roundEnd(int round) {
      return warmupEnd + (round + 1) * roundNanos;
    }
  }
}
