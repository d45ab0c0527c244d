package io.clusterclient.benchmarks.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterOptions;
import io.clusterclient.DelegateType;
import io.clusterclient.bus.ClusterBus;
import io.clusterclient.bus.From;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A process of the bus benchmark (workload "bus"), started by the harness: either a {@link ClusterBus}
 * instance or, for the side-by-side figures, the same fan-out through today's delegation (a shared
 * client whose real client calls its subscribers' listeners: {@link Fanout}).
 *
 * <pre>
 * BusWorker bus|delegation PORT leader|member|resume [COUNT]
 * </pre>
 *
 * <p>Commands (JSON lines, answered {@code RESULT <json>}): {@code sub} (count and time what arrives),
 * {@code count}, {@code pub} (publish for {@code ms} with up to {@code window} unanswered), {@code
 * paced} ({@code count} values {@code intervalUs} apart, each carrying its send time), {@code lat}
 * (the latency of each paced value here), {@code fill} ({@code count} values, all answered), {@code
 * replay} (a new subscription from the beginning in this process: time to {@code count}), {@code exit}.
 * {@code resume} mode subscribes from the beginning as it starts and reports the time from creating
 * the bus to {@code COUNT} messages.
 */
public final class BusWorker {
  private static final String TOPIC = "bench";
  private static final String PAD = "x".repeat(64);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicLong received = new AtomicLong();
  private static final Map<Integer, Long> latencies = new ConcurrentHashMap<>();

  /** Today's delegation: a subscribe per process, an answered send fanned out by the real client. */
  public interface Fanout {
    /**
     * @param reg {@code {"topic": ...}}
     * @param listener hears every value sent to the topic
     */
    void subscribe(Map<String, String> reg, Consumer<String> listener);

    /**
     * @param topic the topic
     * @param value the value
     * @return answered once the real client has handed it to the topic's listeners
     */
    CompletableFuture<Boolean> send(String topic, String value);
  }

  /** The real {@link Fanout}, in the leader. */
  public static final class RealFanout implements Fanout {
    private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();

    @Override
    public void subscribe(Map<String, String> reg, Consumer<String> listener) {
      listeners.computeIfAbsent(reg.get("topic"), t -> new CopyOnWriteArrayList<>()).add(listener);
    }

    @Override
    public CompletableFuture<Boolean> send(String topic, String value) {
      for (Consumer<String> l : listeners.getOrDefault(topic, List.of())) {
        l.accept(value);
      }
      return CompletableFuture.completedFuture(Boolean.TRUE);
    }
  }

  private interface Side {
    CompletableFuture<?> publish(String value);

    void subscribe(Consumer<String> listener, boolean fromBeginning);
  }

  private BusWorker() {}

  public static void main(String[] args) throws Exception {
    String impl = args[0];
    int port = Integer.parseInt(args[1]);
    String mode = args[2];
    ClusterOptions.Builder options = ClusterOptions.builder().name("bench-" + impl).port(port);
    if (mode.equals("leader")) {
      options.leader(true);
    }
    long creating = System.nanoTime();
    Side side;
    if (impl.equals("bus")) {
      ClusterBus bus = ClusterBus.builder("bench").options(options.build()).maxBuffered(100_000)
          .subscriberMaxLag(1_000_000).create();
      if (mode.equals("resume")) {
        long count = Long.parseLong(args[3]);
        CompletableFuture<Long> done = new CompletableFuture<>();
        bus.subscribe(TOPIC, String.class, From.beginning(), (id, v) -> {
          if (received.incrementAndGet() == count) {
            done.complete(System.nanoTime());
          }
        });
        long end = done.get(120, TimeUnit.SECONDS);
        Workloads.say("RESULT " + JSON.createObjectNode().put("ms", (end - creating) / 1e6));
      }
      bus.ready().get(60, TimeUnit.SECONDS);
      side = new Side() {
        @Override
        public CompletableFuture<?> publish(String value) {
          return bus.publish(TOPIC, value);
        }

        @Override
        public void subscribe(Consumer<String> listener, boolean fromBeginning) {
          bus.subscribe(TOPIC, String.class, fromBeginning ? From.beginning() : From.latest(),
              (id, v) -> listener.accept(v)).join();
        }
      };
    } else {
      Fanout fanout = ClusterClient.of(Fanout.class).options(options.build())
          .delegate("subscribe", DelegateType.SUBSCRIBE).create(RealFanout::new);
      ClusterClient.handle(fanout).ready().get(60, TimeUnit.SECONDS);
      side = new Side() {
        @Override
        public CompletableFuture<?> publish(String value) {
          return fanout.send(TOPIC, value);
        }

        @Override
        public void subscribe(Consumer<String> listener, boolean fromBeginning) {
          fanout.subscribe(Map.of("topic", TOPIC), listener);
        }
      };
    }
    Workloads.say("READY " + mode);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      JsonNode c = JSON.readTree(line);
      String op = c.path("op").asText();
      if (op.equals("exit")) {
        break;
      }
      Workloads.say("RESULT " + run(side, op, c));
    }
    System.exit(0);
  }

  private static ObjectNode run(Side side, String op, JsonNode c) throws Exception {
    ObjectNode r = JSON.createObjectNode();
    switch (op) {
      case "sub" -> side.subscribe(BusWorker::onValue, false);
      case "count" -> r.put("count", received.get());
      case "pub" -> {
        long ms = c.path("ms").asLong();
        Semaphore window = new Semaphore(c.path("window").asInt(1000));
        AtomicLong acked = new AtomicLong();
        long start = System.nanoTime();
        long end = start + ms * 1_000_000;
        long seq = 0;
        while (System.nanoTime() < end) {
          window.acquire();
          side.publish("t:" + (seq++) + ":" + PAD).whenComplete((x, e) -> {
            if (e == null) {
              acked.incrementAndGet();
            }
            window.release();
          });
        }
        long ackedInWindow = acked.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        window.acquire(c.path("window").asInt(1000)); // let the rest finish before the next round
        r.put("perSecond", ackedInWindow / seconds);
      }
      case "paced" -> {
        int count = c.path("count").asInt();
        long interval = c.path("intervalUs").asLong() * 1000;
        long next = System.nanoTime();
        CompletableFuture<?> last = CompletableFuture.completedFuture(null);
        for (int i = 0; i < count; i++) {
          while (System.nanoTime() < next) {
            Thread.onSpinWait();
          }
          last = side.publish("p:" + i + ":" + System.nanoTime() + ":" + PAD);
          next += interval;
        }
        last.get(30, TimeUnit.SECONDS);
      }
      case "lat" -> {
        ArrayNode a = r.putArray("ns");
        int count = c.path("count").asInt();
        for (int i = 0; i < count; i++) {
          a.add(latencies.getOrDefault(i, -1L));
        }
        latencies.clear();
      }
      case "fill" -> {
        int count = c.path("count").asInt();
        Semaphore window = new Semaphore(5000);
        for (int i = 0; i < count; i++) {
          window.acquire();
          side.publish("f:" + i + ":" + PAD).whenComplete((x, e) -> window.release());
        }
        window.acquire(5000);
      }
      case "replay" -> {
        long count = c.path("count").asLong();
        AtomicLong n = new AtomicLong();
        CompletableFuture<Long> done = new CompletableFuture<>();
        long start = System.nanoTime();
        side.subscribe(v -> {
          if (n.incrementAndGet() == count) {
            done.complete(System.nanoTime());
          }
        }, true);
        r.put("ms", (done.get(120, TimeUnit.SECONDS) - start) / 1e6);
      }
      default -> throw new IllegalArgumentException("unknown op " + op);
    }
    return r;
  }

  private static void onValue(String v) {
    long now = System.nanoTime();
    received.incrementAndGet();
    if (v.startsWith("p:")) {
      String[] parts = v.split(":", 4);
      latencies.put(Integer.parseInt(parts[1]), now - Long.parseLong(parts[2]));
    }
  }
}
