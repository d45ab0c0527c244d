package io.clusterclient.samples.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.bus.ClusterBus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PriceCacheTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private PriceCache worker(int port, String name, Map<String, Long> database) {
    ClusterRuntime runtime = ClusterRuntime.builder().name(name).build();
    open.add(runtime);
    ClusterBus bus = ClusterBus.builder("prices")
        .options(ClusterOptions.builder().port(port).jmx(false).build()).runtime(runtime).create();
    open.add(bus);
    bus.ready().join();
    PriceCache cache = new PriceCache(bus, database::get);
    open.add(cache);
    return cache;
  }

  @Test
  void anInvalidationInOneWorkerMakesEveryWorkerLoadTheNewPrice() throws Exception {
    int port = freePort();
    Map<String, Long> database = new ConcurrentHashMap<>(Map.of("apple", 100L));
    PriceCache one = worker(port, "w1", database);
    PriceCache two = worker(port, "w2", database);
    PriceCache three = worker(port, "w3", database);
    two.taxRate(0.5);
    await().atMost(Duration.ofSeconds(20)).until(() -> one.priceWithTax("apple") == 150
        && three.priceWithTax("apple") == 150);
    assertThat(two.priceWithTax("apple")).isEqualTo(150);

    database.put("apple", 200L);
    assertThat(one.priceWithTax("apple")).as("still cached").isEqualTo(150);
    three.invalidate("apple");
    for (PriceCache w : List.of(one, two, three)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> !w.isCached("apple"));
      assertThat(w.priceWithTax("apple")).isEqualTo(300);
      assertThat(w.loads()).isEqualTo(2);
    }
  }

  @Test
  void theSampleRunsAndCloses() throws Exception {
    System.setProperty("clusterclient.port", String.valueOf(freePort()));
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      CacheInvalidation.main(new String[0]);
    } finally {
      System.setOut(original);
      System.clearProperty("clusterclient.port");
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("worker-1 (LEADER): apple costs 120", "worker-3: apple costs 144 (loaded 2 times)");
  }
}
