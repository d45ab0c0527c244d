package io.clusterclient.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.clusterclient.ClusterOptions;
import io.clusterclient.bus.ClusterBus;
import io.clusterclient.bus.DistributedMap;
import io.clusterclient.bus.From;
import io.clusterclient.bus.Message;
import io.clusterclient.bus.MessageListener;
import io.clusterclient.bus.Subscription;
import io.clusterclient.bus.TopicOptions;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bus process for the bus's integration tests, driven by stdin. Arguments: {@code port name dir}.
 * Prints {@code READY} once the bus is in sync. Every message a subscription hears is appended to
 * {@code dir/<name>-<topic>.recv} and every acknowledged publish to {@code dir/<name>-<topic>.ack}, as
 * {@code id value} lines written through at once, so that they survive a SIGKILL of this process.
 *
 * <p>System properties: {@code bus.follower=true} (never leads), {@code bus.maxLag}, {@code
 * bus.topics} ({@code cnt=count:5,kv=compacted,age=ageMs:400,bytes=bytes:40}: topic options), {@code
 * bus.early=topic:value} (published before the bus is ready; prints {@code EARLY <id>} once
 * acknowledged).
 *
 * <p>Commands, each answered {@code OK ...} or {@code ERR ...}: {@code role}; {@code sub <topic>
 * beginning|latest|<id> [sleepMs per message]}; {@code unsub <topic>} (answers the last id); {@code
 * pub <topic> <count>}; {@code pubkey <topic> <key> <value>}; {@code backlog <topic> <n>} (answers
 * {@code id=value} pairs);
 * {@code load <topic> <intervalMs>} and {@code stop} (answers attempts, acknowledged and failed);
 * {@code mapload <map> <count>} and {@code mapwait}; {@code mapdump <map>}; {@code exit}.
 */
public final class BusChild {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final Map<String, Subscription> subs = new ConcurrentHashMap<>();
  private static final Map<String, BufferedWriter> files = new ConcurrentHashMap<>();
  private static final AtomicLong attempts = new AtomicLong();
  private static final AtomicLong acked = new AtomicLong();
  private static final AtomicLong failed = new AtomicLong();
  private static volatile boolean loading;
  private static volatile Thread loader;
  private static volatile CompletableFuture<String> mapLoad = CompletableFuture.completedFuture("none");
  private static Path dir;
  private static String name;

  private BusChild() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    name = args[1];
    dir = Path.of(args[2]);
    ClusterOptions.Builder options = ClusterOptions.builder().port(port)
        .responseTimeout(Duration.ofMillis(Long.getLong("bus.responseTimeout", 2000)));
    if (Boolean.getBoolean("bus.follower")) {
      options.leader(false); // never leads: it waits for one
    }
    ClusterBus.Builder builder = ClusterBus.builder("it-bus").options(options.build());
    if (Integer.getInteger("bus.maxLag") != null) {
      builder.subscriberMaxLag(Integer.getInteger("bus.maxLag"));
    }
    // bus.topics: "cnt=count:5,kv=compacted,age=ageMs:400,bytes=bytes:40"
    for (String spec : System.getProperty("bus.topics", "").split(",")) {
      if (spec.isBlank()) {
        continue;
      }
      String[] kv = spec.split("=", 2);
      String[] opt = kv[1].split(":", 2);
      TopicOptions.Builder t = TopicOptions.builder();
      switch (opt[0]) {
        case "count" -> t.maxCount(Long.parseLong(opt[1]));
        case "bytes" -> t.maxBytes(Long.parseLong(opt[1]));
        case "ageMs" -> t.maxAge(Duration.ofMillis(Long.parseLong(opt[1])));
        case "compacted" -> t.compacted(true);
        default -> throw new IllegalArgumentException(spec);
      }
      builder.topic(kv[0], t.build());
    }
    ClusterBus bus = builder.create();
    String early = System.getProperty("bus.early"); // "topic:value": published before any leader
    if (early != null) {
      String[] tv = early.split(":", 2);
      bus.publish(tv[0], tv[1]).whenComplete((id, e) -> System.out.println(
          e == null ? "EARLY " + id : "EARLYFAIL " + e));
    }
    bus.ready().get(60, TimeUnit.SECONDS);
    System.out.println("READY " + bus.handle().role());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split(" ");
      try {
        String answer = run(bus, w);
        if (answer == null) {
          break;
        }
        System.out.println("OK " + answer);
      } catch (Exception e) {
        System.out.println("ERR " + e);
      }
    }
    bus.close();
    System.exit(0);
  }

  private static String run(ClusterBus bus, String[] w) throws Exception {
    switch (w[0]) {
      case "role":
        return bus.handle().role().toString();
      case "sub": {
        String topic = w[1];
        From from = w[2].equals("beginning") ? From.beginning()
            : w[2].equals("latest") ? From.latest() : From.id(Long.parseLong(w[2]));
        long sleepMs = w.length > 3 ? Long.parseLong(w[3]) : 0; // a slow subscriber
        BufferedWriter out = file(topic + ".recv");
        subs.put(topic, bus.subscribe(topic, String.class, from, new MessageListener<String>() {
          @Override
          public void onMessage(long id, String value) {
            write(out, id + " " + value);
            if (sleepMs > 0) {
              try {
                Thread.sleep(sleepMs);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }

          @Override
          public void onGap(String t, long afterId, long upToId) {
            write(out, "GAP " + afterId + " " + upToId);
          }

          @Override
          public void onDropped(String t, long lastId, String reason) {
            write(out, "DROPPED " + lastId);
          }
        }).get(30, TimeUnit.SECONDS));
        return "sub";
      }
      case "unsub": {
        Subscription s = subs.remove(w[1]);
        s.close();
        return "unsub " + s.lastId();
      }
      case "pub": {
        BufferedWriter out = file(w[1] + ".ack");
        int count = Integer.parseInt(w[2]);
        for (int i = 0; i < count; i++) {
          String value = name + "-" + attempts.incrementAndGet();
          long id = bus.publish(w[1], value).get(30, TimeUnit.SECONDS);
          write(out, id + " " + value);
        }
        return "pub " + count;
      }
      case "pubkey": {
        long id = bus.publish(w[1], w[2], w[3]).get(30, TimeUnit.SECONDS);
        write(file(w[1] + ".ack"), id + " " + w[3]);
        return "pubkey " + id;
      }
      case "backlog": {
        StringBuilder b = new StringBuilder("backlog");
        for (Message<String> m : bus.backlog(w[1], String.class, Integer.parseInt(w[2])).get(30, TimeUnit.SECONDS)) {
          b.append(' ').append(m.id()).append('=').append(m.value());
        }
        return b.toString();
      }
      case "load":
        startLoad(bus, w[1], Long.parseLong(w[2]));
        return "load";
      case "stop": {
        loading = false;
        loader.join(60_000);
        return "stop attempts=" + attempts + " acked=" + acked + " failed=" + failed;
      }
      case "mapload": {
        DistributedMap<String, String> map = bus.map(w[1], String.class, String.class);
        int count = Integer.parseInt(w[2]);
        mapLoad = CompletableFuture.supplyAsync(() -> {
          int ok = 0;
          int bad = 0;
          for (int i = 0; i < count; i++) {
            try {
              map.put("k" + ThreadLocalRandom.current().nextInt(20), name + "-" + i).get(30, TimeUnit.SECONDS);
              ok++;
            } catch (Exception e) {
              bad++;
              System.out.println("MAPFAIL " + e);
            }
          }
          return "ok=" + ok + " failed=" + bad;
        });
        return "mapload";
      }
      case "mapwait":
        return "mapwait " + mapLoad.get(120, TimeUnit.SECONDS);
      case "mapdump":
        return JSON.writeValueAsString(new TreeMap<>(bus.map(w[1], String.class, String.class).asMap()));
      case "exit":
        return null;
      default:
        throw new IllegalArgumentException("unknown command " + w[0]);
    }
  }

  /** Publishes one value every interval; acknowledged ones (in order: one batch in flight) are written. */
  private static void startLoad(ClusterBus bus, String topic, long intervalMs) {
    BufferedWriter out = file(topic + ".ack");
    loading = true;
    Thread t = new Thread(() -> {
      CompletableFuture<?> last = CompletableFuture.completedFuture(null);
      while (loading) {
        String value = name + "-" + attempts.incrementAndGet();
        last = bus.publish(topic, value).whenComplete((id, e) -> {
          if (e == null) {
            acked.incrementAndGet();
            write(out, id + " " + value);
          } else {
            failed.incrementAndGet();
            System.out.println("PUBFAIL " + value + " " + e);
          }
        });
        try {
          Thread.sleep(intervalMs);
        } catch (InterruptedException e) {
          return;
        }
      }
      try {
        last.handle((x, e) -> null).get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.out.println("STOPFAIL " + e);
      }
    }, "load");
    t.setDaemon(true);
    loader = t;
    t.start();
  }

  private static BufferedWriter file(String suffix) {
    return files.computeIfAbsent(suffix, s -> {
      try {
        return Files.newBufferedWriter(dir.resolve(name + "-" + s), StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Written through to the OS at once: the page cache keeps it when this process is killed. */
  private static void write(BufferedWriter out, String line) {
    synchronized (out) {
      try {
        out.write(line);
        out.newLine();
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
