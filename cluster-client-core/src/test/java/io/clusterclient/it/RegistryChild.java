package io.clusterclient.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.ClusterOptions;
import io.clusterclient.Role;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A registry process for the subscription tests, driven by stdin. Arguments: {@code port}. Prints
 * {@code READY <role>}, {@code ROLE_AT_START <role>} once, {@code ROLE <role>} on every change, {@code PUSH <dataId> <json>} per value.
 * Commands: {@code sub <id>}, {@code unsub <id>}, {@code pub <id> <value>}, {@code log}, {@code
 * role}, {@code exit}; each answered with {@code OK ...} or {@code ERR ...}.
 */
public final class RegistryChild {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Load load = new Load();

  private RegistryChild() {}

  /** Continuous calls, alternating idempotent and not, counted and timed. */
  static final class Load {
    final java.util.concurrent.atomic.AtomicLong ok = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong idempotentFailed = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong otherFailed = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong maxWaitMillis = new java.util.concurrent.atomic.AtomicLong();
    final java.util.Map<String, Long> errors = new java.util.concurrent.ConcurrentHashMap<>();

    String summary(ClusterHandle handle) {
      return "ok=" + ok + " idempotentFailed=" + idempotentFailed + " otherFailed=" + otherFailed
          + " retried=" + handle.metrics().retried() + " elections=" + handle.metrics().elections()
          + " maxWaitMs=" + maxWaitMillis + " errors=" + errors;
    }
  }

  private static void startLoad(Registry registry) {
    Thread t =
        new Thread(
            () -> {
              for (long i = 0; ; i++) {
                boolean idempotent = i % 2 == 0;
                long start = System.nanoTime();
                try {
                  String v = "v" + i;
                  String r = idempotent ? registry.ping(v) : registry.pingOnce(v);
                  if (!v.equals(r)) {
                    throw new IllegalStateException("wrong answer " + r + " for " + v);
                  }
                  load.ok.incrementAndGet();
                } catch (RuntimeException e) {
                  (idempotent ? load.idempotentFailed : load.otherFailed).incrementAndGet();
                  load.errors.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                }
                long waited = (System.nanoTime() - start) / 1_000_000;
                load.maxWaitMillis.accumulateAndGet(waited, Math::max);
                try {
                  Thread.sleep(5); // paced: the point is continuity, not throughput
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "load");
    t.setDaemon(true);
    t.start();
  }

  /** Slow calls back to back, not idempotent: one is in flight on the leader nearly all the time. */
  private static void startSlowLoad(Registry registry, int threads) {
    for (int n = 0; n < threads; n++) {
      Thread t =
          new Thread(
              () -> {
                for (long i = 0; ; i++) {
                  long start = System.nanoTime();
                  try {
                    String v = "s" + i;
                    String r = registry.slowPingOnce(v, 100);
                    if (!v.equals(r)) {
                      throw new IllegalStateException("wrong answer " + r + " for " + v);
                    }
                    load.ok.incrementAndGet();
                  } catch (RuntimeException e) {
                    if (e instanceof io.clusterclient.ClusterClosedException) {
                      return; // this process is leaving
                    }
                    load.otherFailed.incrementAndGet();
                    load.errors.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                  }
                  load.maxWaitMillis.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                }
              },
              "slow-load-" + n);
      t.setDaemon(true);
      t.start();
    }
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    // cc.gate: print GATE, then start the election on the line "go", so that every racer of a test,
    // up and waiting, starts at once.
    if (Boolean.getBoolean("cc.gate")) {
      System.out.println("GATE");
      System.out.flush();
      String go = in.readLine();
      if (!"go".equals(go)) {
        throw new IllegalStateException("expected the line go, got " + go);
      }
    }
    Registry registry =
        ClusterClient.of(Registry.class)
            .options(
                ClusterOptions.builder()
                    .name("registry")
                    .port(Integer.parseInt(args[0]))
                    .heartbeatInterval(Duration.ofMillis(Long.getLong("cc.heartbeat", 2000)))
                    .responseTimeout(Duration.ofMillis(Long.getLong("cc.responseTimeout", 3000)))
                    .connectTimeout(Duration.ofMillis(Long.getLong("cc.connectTimeout", 10000)))
                    .broadcast(Boolean.parseBoolean(System.getProperty("cc.broadcast", "true")))
                    .closeOnShutdown(Boolean.getBoolean("cc.closeOnShutdown"))
                    .build())
            .create(
                () -> {
                  // While the marker file exists, the upstream is "down": the factory fails.
                  String marker = System.getProperty("cc.failFactory");
                  if (marker != null && java.nio.file.Files.exists(java.nio.file.Paths.get(marker))) {
                    throw new IllegalStateException("upstream is down");
                  }
                  return new RealRegistry();
                });
    ClusterHandle handle = ClusterClient.handle(registry);
    handle.addListener(
        new ClusterListener() {
          private boolean told;

          @Override
          public void roleChanged(ClusterHandle h, Role role) {
            // A new listener first hears the role it joined in; only changes are ROLE lines.
            System.out.println((told ? "ROLE " : "ROLE_AT_START ") + role);
            told = true;
          }

          @Override
          public void error(ClusterHandle h, Throwable error) {
            System.out.println("ERROR_EVENT " + error.getMessage().replace('\n', ' '));
          }
        });
    try {
      handle.ready().get(60, TimeUnit.SECONDS);
      System.out.println("READY " + handle.role());
    } catch (java.util.concurrent.ExecutionException e) {
      System.out.println("READY_FAILED " + e.getCause().getClass().getName() + " "
          + String.valueOf(e.getCause().getMessage()).replace('\n', ' '));
    }
    Map<String, Consumer<List<String>>> listeners = new HashMap<>();
    String line;
    while ((line = in.readLine()) != null && !line.equals("exit")) {
      String[] p = line.split(" ", 3);
      try {
        switch (p[0]) {
          case "sub":
            Consumer<List<String>> l =
                values -> {
                  try {
                    System.out.println("PUSH " + p[1] + " " + JSON.writeValueAsString(values));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                };
            listeners.put(p[1], l);
            registry.subscribe(Map.of("dataId", p[1]), l);
            System.out.println("OK sub " + p[1]);
            break;
          case "unsub":
            registry.unSubscribe(Map.of("dataId", p[1]), listeners.remove(p[1]));
            System.out.println("OK unsub " + p[1]);
            break;
          case "pub":
            registry.publish(Map.of("dataId", p[1], "value", p[2]));
            System.out.println("OK pub " + p[1]);
            break;
          case "log":
            System.out.println("OK " + JSON.writeValueAsString(registry.upstreamLog()));
            break;
          case "load":
            startLoad(registry);
            System.out.println("OK load");
            break;
          case "slowload":
            startSlowLoad(registry, Integer.parseInt(p[1]));
            System.out.println("OK slowload");
            break;
          case "stats":
            System.out.println("OK " + load.summary(handle));
            break;
          case "role":
            System.out.println("OK " + handle.role());
            break;
          default:
            System.out.println("ERR bad command " + line);
        }
      } catch (RuntimeException e) {
        System.out.println("ERR " + e.getClass().getName() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
      }
    }
    handle.close();
    io.clusterclient.testing.LeakFlush.flush();
    System.out.println("BYE");
  }
}
