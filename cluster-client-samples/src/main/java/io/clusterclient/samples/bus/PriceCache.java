package io.clusterclient.samples.bus;

import io.clusterclient.bus.ClusterBus;
import io.clusterclient.bus.DistributedMap;
import io.clusterclient.bus.From;
import io.clusterclient.bus.MessageListener;
import io.clusterclient.bus.Subscription;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A worker's local cache of prices, kept coherent across the host's workers by the bus: a worker that
 * changes a price publishes an invalidation on the topic {@code price-invalidations}, and every worker
 * (this one included) drops its cached copy, so the next read loads the new price. The tax rate every
 * price needs is shared configuration: a {@link DistributedMap}, the same in every worker, read
 * locally. Thread-safe.
 *
 * <p>The invalidation subscription resumes from the last id it handled if it is ever dropped for
 * falling behind, and a dropped or gapped subscriber clears the whole cache: it cannot know which
 * keys it missed.
 */
public final class PriceCache implements AutoCloseable {
  /** The invalidation topic. */
  public static final String TOPIC = "price-invalidations";

  /** An invalidation message: which product changed. Travels as JSON. */
  public record Invalidation(String product) {}

  private final ClusterBus bus;
  private final Function<String, Long> loader;
  private final Map<String, Long> cache = new ConcurrentHashMap<>();
  private final DistributedMap<String, Double> config;
  private final AtomicInteger loads = new AtomicInteger();
  private volatile Subscription subscription;

  /**
   * @param bus this worker's bus
   * @param loader loads a product's price in cents from the system of record (a database, say)
   */
  public PriceCache(ClusterBus bus, Function<String, Long> loader) {
    this.bus = bus;
    this.loader = loader;
    this.config = bus.map("pricing-config", String.class, Double.class);
    this.subscription = bus.subscribe(TOPIC, Invalidation.class, From.latest(), listener()).join();
  }

  private MessageListener<Invalidation> listener() {
    return new MessageListener<>() {
      @Override
      public void onMessage(long id, Invalidation value) {
        cache.remove(value.product());
      }

      @Override
      public void onGap(String topic, long afterId, long upToId) {
        cache.clear(); // invalidations were missed: nothing cached can be trusted
      }

      @Override
      public void onDropped(String topic, long lastId, String reason) {
        cache.clear();
        bus.subscribe(TOPIC, Invalidation.class, From.id(lastId), this)
            .thenAccept(s -> subscription = s);
      }
    };
  }

  /**
   * @param product a product
   * @return its price with tax, in cents: the cached price, or one loaded now
   */
  public long priceWithTax(String product) {
    long net = cache.computeIfAbsent(product, p -> {
      loads.incrementAndGet();
      return loader.apply(p);
    });
    double rate = config.asMap().getOrDefault("tax-rate", 0.0);
    return Math.round(net * (1 + rate));
  }

  /**
   * Tells every worker (this one included) that a product's price changed.
   *
   * @param product the product
   * @return the invalidation's id, once the leader accepted it
   */
  public long invalidate(String product) {
    return bus.publish(TOPIC, new Invalidation(product)).join();
  }

  /**
   * Sets the tax rate in every worker.
   *
   * @param rate the rate, 0.2 for 20 %
   */
  public void taxRate(double rate) {
    config.put("tax-rate", rate).join();
  }

  /** @return how many times this worker loaded a price */
  public int loads() {
    return loads.get();
  }

  /** @return whether a product's price is cached in this worker */
  public boolean isCached(String product) {
    return cache.containsKey(product);
  }

  @Override
  public void close() {
    subscription.close();
  }
}
