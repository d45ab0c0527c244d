package io.clusterclient.samples.bus;

import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.bus.ClusterBus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cache invalidation across a host's workers with the message bus: {@code exec:exec
 * -Dsample=bus.CacheInvalidation}. Three workers, each on a {@link ClusterRuntime} of its own (as
 * three JVMs would be), cache prices; one changes a price in the "database" and invalidates it, and
 * every worker reads the new price. Port: 7777 unless {@code -Dclusterclient.port} says otherwise.
 */
public final class CacheInvalidation {
  private CacheInvalidation() {}

  public static void main(String[] args) throws Exception {
    Map<String, Long> database = new ConcurrentHashMap<>(Map.of("apple", 100L, "pear", 150L));
    ClusterOptions options = ClusterOptions.builder().build();
    List<ClusterRuntime> runtimes = new ArrayList<>();
    List<ClusterBus> buses = new ArrayList<>();
    List<PriceCache> workers = new ArrayList<>();
    try {
      for (int i = 1; i <= 3; i++) {
        ClusterRuntime runtime = ClusterRuntime.builder().name("worker-" + i).build();
        runtimes.add(runtime);
        ClusterBus bus = ClusterBus.builder("prices").options(options).runtime(runtime).create();
        buses.add(bus);
        bus.ready().join();
        workers.add(new PriceCache(bus, database::get));
      }
      workers.get(0).taxRate(0.2);
      for (int i = 0; i < workers.size(); i++) {
        System.out.println("worker-" + (i + 1) + " (" + buses.get(i).handle().role() + "): apple costs "
            + workers.get(i).priceWithTax("apple"));
      }
      database.put("apple", 120L);
      long id = workers.get(2).invalidate("apple");
      System.out.println("worker-3 changed the price of apple; invalidation id " + id);
      for (int i = 0; i < workers.size(); i++) {
        PriceCache w = workers.get(i);
        while (w.isCached("apple") && w.priceWithTax("apple") != 144) {
          Thread.onSpinWait(); // the invalidation is on its way to this worker
        }
        System.out.println("worker-" + (i + 1) + ": apple costs " + w.priceWithTax("apple")
            + " (loaded " + w.loads() + " times)");
      }
    } finally {
      // the leader last: a leader that closes first hands over and waits for the others to move
      for (int i = workers.size() - 1; i >= 0; i--) {
        workers.get(i).close();
        buses.get(i).close();
        runtimes.get(i).close();
      }
    }
  }
}
