package io.clusterclient.micrometer;

import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterMetrics;
import io.clusterclient.Role;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds the meters of one shared client ({@link ClusterHandle#metrics()} and its state) to a
 * Micrometer {@link MeterRegistry}, so that Prometheus, Grafana and every Micrometer backend see
 * them:
 *
 * <pre>{@code
 * Greeter greeter = ClusterClient.of(Greeter.class).options(opts).create(RealGreeter::new);
 * new ClusterClientMetrics(ClusterClient.handle(greeter)).bindTo(registry);
 * }</pre>
 *
 * <p>Every meter is tagged {@code client} (the client name) and {@code port}, plus the tags given.
 * The role is not a tag of every meter, which would start new series at each failover: it is the
 * gauge {@code cluster.client.role}, one series per role ({@code role} tag), 1 for the current
 * role and 0 for the others. The meters (names as Micrometer writes them; Prometheus turns dots
 * into underscores and adds {@code _total} to counters):
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>extra tags</th><th>what</th></tr>
 *   <tr><td>cluster.client.role</td><td>gauge</td><td>role</td><td>1 for the current role</td></tr>
 *   <tr><td>cluster.client.calls</td><td>function counter</td><td>result=succeeded|failed</td>
 *       <td>calls ended</td></tr>
 *   <tr><td>cluster.client.calls.failed</td><td>function counter</td><td>kind</td><td>failed calls
 *       by kind (timeout, leaderLost, unresponsive, remote, codec, tooLarge, closed, security,
 *       other)</td></tr>
 *   <tr><td>cluster.client.calls.retried</td><td>function counter</td><td></td><td>idempotent calls
 *       sent again to a new leader</td></tr>
 *   <tr><td>cluster.client.calls.served</td><td>function counter</td><td></td><td>followers'
 *       calls the leader in this process served</td></tr>
 *   <tr><td>cluster.client.calls.in.flight</td><td>gauge</td><td></td><td>calls made, not ended</td></tr>
 *   <tr><td>cluster.client.calls.queued</td><td>gauge</td><td></td><td>calls waiting for a
 *       leader now</td></tr>
 *   <tr><td>cluster.client.calls.waited</td><td>function counter</td><td></td><td>calls that had to
 *       wait for a leader</td></tr>
 *   <tr><td>cluster.client.call.latency</td><td>time gauge (seconds)</td><td>method,
 *       quantile=0.5|0.99</td><td>latency per delegated method as its callers saw it (waiting for
 *       a leader, the round trip, a retry), from an HdrHistogram since the client was created</td></tr>
 *   <tr><td>cluster.client.call.latency.max</td><td>time gauge (seconds)</td><td>method</td>
 *       <td>the longest call of each delegated method</td></tr>
 *   <tr><td>cluster.client.call.count</td><td>function counter</td><td>method</td><td>calls of
 *       each delegated method</td></tr>
 *   <tr><td>cluster.client.elections</td><td>function counter</td><td></td><td>elections this
 *       process took part in</td></tr>
 *   <tr><td>cluster.client.failovers</td><td>function counter</td><td></td><td>leaders lost and
 *       replaced</td></tr>
 *   <tr><td>cluster.client.failover.gap</td><td>time gauge (seconds)</td><td>stat=last|max</td>
 *       <td>time from a leader's loss to leading or following again</td></tr>
 *   <tr><td>cluster.client.bytes.received, .bytes.sent</td><td>function counter (bytes)</td>
 *       <td></td><td>bytes of packets read and written</td></tr>
 *   <tr><td>cluster.client.pushes.sent</td><td>function counter</td><td></td><td>values the
 *       leader wrote to followers</td></tr>
 *   <tr><td>cluster.client.pushes.delivered</td><td>function counter</td><td></td><td>values handed
 *       to this process's listeners</td></tr>
 *   <tr><td>cluster.client.followers</td><td>gauge</td><td></td><td>followers connected (on the
 *       leader)</td></tr>
 *   <tr><td>cluster.client.followers.dropped</td><td>function counter</td><td></td><td>followers the
 *       leader closed: slow, silent, hostile or refused</td></tr>
 *   <tr><td>cluster.client.subscriptions</td><td>gauge</td><td></td><td>keys this process
 *       subscribed</td></tr>
 *   <tr><td>cluster.client.publishes.remembered</td><td>gauge</td><td></td><td>publishes
 *       remembered for replay</td></tr>
 * </table>
 *
 * <p>Values are read from the client when the registry asks (a scrape), never cached. The latency
 * meters of a method appear once it has been called: at {@link #bindTo}, and at each later scrape
 * for methods called since. {@link #close()} removes every meter this binder registered; a client
 * that closes keeps its last values until then.
 *
 * <p>Thread-safe.
 */
public final class ClusterClientMetrics implements MeterBinder, AutoCloseable {
  private static final List<String> FAILURE_KINDS =
      List.of("timeout", "leaderLost", "unresponsive", "remote", "codec", "tooLarge", "closed", "security", "other");

  private final ClusterHandle handle;
  private final Tags tags;
  /** The methods whose latency meters each registry has (a binder may be bound to several). */
  private final java.util.Map<MeterRegistry, Set<String>> methods = new ConcurrentHashMap<>();
  private final List<Registered> registered = new ArrayList<>(); // guarded by itself

  private record Registered(MeterRegistry registry, Meter meter) {}

  /**
   * A binder of one client's meters.
   *
   * @param handle the client's handle ({@code ClusterClient.handle(client)})
   */
  public ClusterClientMetrics(ClusterHandle handle) {
    this(handle, Tags.empty());
  }

  /**
   * A binder of one client's meters, with tags of one's own on every meter.
   *
   * @param handle the client's handle ({@code ClusterClient.handle(client)})
   * @param tags more tags for every meter
   */
  public ClusterClientMetrics(ClusterHandle handle, Iterable<Tag> tags) {
    this.handle = Objects.requireNonNull(handle, "handle");
    this.tags =
        Tags.of("client", handle.name(), "port", String.valueOf(handle.port()))
            .and(Objects.requireNonNull(tags, "tags"));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (Role role : Role.values()) {
      gauge(registry, "cluster.client.role", "1 for the role this process has now, else 0",
          Tags.of("role", role.name()), h -> h.role() == role ? 1 : 0);
    }
    FunctionCounter.Builder<ClusterHandle> calls =
        FunctionCounter.builder("cluster.client.calls", handle, h -> snapshot(registry).succeeded());
    add(registry, calls.tags(tags).tag("result", "succeeded").description("calls ended").register(registry));
    counter(registry, "cluster.client.calls", "calls ended", Tags.of("result", "failed"), m -> m.failed());
    for (String kind : FAILURE_KINDS) {
      counter(registry, "cluster.client.calls.failed", "failed calls by kind", Tags.of("kind", kind),
          m -> m.failedByKind().getOrDefault(kind, 0L));
    }
    counter(registry, "cluster.client.calls.retried", "idempotent calls sent again to a new leader",
        Tags.empty(), ClusterMetrics::retried);
    gauge(registry, "cluster.client.calls.in.flight", "calls made and not yet ended", Tags.empty(),
        h -> h.metrics().inFlight());
    gauge(registry, "cluster.client.calls.queued", "calls waiting for a leader now", Tags.empty(),
        h -> h.metrics().queued());
    counter(registry, "cluster.client.calls.waited", "calls that had to wait for a leader", Tags.empty(),
        ClusterMetrics::queuedTotal);
    counter(registry, "cluster.client.calls.served", "followers' calls the leader in this process served",
        Tags.empty(), ClusterMetrics::callsServed);
    counter(registry, "cluster.client.elections", "elections this process took part in", Tags.empty(),
        ClusterMetrics::elections);
    counter(registry, "cluster.client.failovers", "leaders lost and replaced", Tags.empty(),
        ClusterMetrics::failovers);
    gap(registry, "last", m -> m.lastFailoverGap().orElse(Duration.ZERO));
    gap(registry, "max", m -> m.maxFailoverGap().orElse(Duration.ZERO));
    add(registry, FunctionCounter.builder("cluster.client.bytes.received", handle, h -> h.metrics().bytesIn())
        .tags(tags).baseUnit("bytes").description("bytes of the packets read").register(registry));
    add(registry, FunctionCounter.builder("cluster.client.bytes.sent", handle, h -> h.metrics().bytesOut())
        .tags(tags).baseUnit("bytes").description("bytes of the packets written").register(registry));
    counter(registry, "cluster.client.pushes.sent", "values the leader wrote to followers", Tags.empty(),
        ClusterMetrics::pushesSent);
    counter(registry, "cluster.client.pushes.delivered", "values handed to this process's listeners",
        Tags.empty(), ClusterMetrics::pushesDelivered);
    counter(registry, "cluster.client.followers.dropped", "followers the leader closed", Tags.empty(),
        ClusterMetrics::followersDropped);
    gauge(registry, "cluster.client.followers", "followers connected to this process", Tags.empty(),
        h -> h.followers().size());
    gauge(registry, "cluster.client.subscriptions", "keys this process subscribed", Tags.empty(),
        h -> h.subscriptions().size());
    gauge(registry, "cluster.client.publishes.remembered", "publishes remembered for replay", Tags.empty(),
        ClusterHandle::rememberedPublishes);
    addMethods(registry, handle.metrics());
  }

  /**
   * The client's meters now; registers the latency meters of methods called since the last look.
   * Called when the registry reads {@code cluster.client.calls}, once per scrape.
   */
  private ClusterMetrics snapshot(MeterRegistry registry) {
    ClusterMetrics m = handle.metrics();
    addMethods(registry, m);
    return m;
  }

  private void addMethods(MeterRegistry registry, ClusterMetrics m) {
    for (String method : m.latency().keySet()) {
      if (!methods.computeIfAbsent(registry, r -> ConcurrentHashMap.newKeySet()).add(method)) {
        continue;
      }
      Tags t = Tags.of("method", method);
      latency(registry, "cluster.client.call.latency", t.and("quantile", "0.5"), method,
          ClusterMetrics.Latency::p50Micros);
      latency(registry, "cluster.client.call.latency", t.and("quantile", "0.99"), method,
          ClusterMetrics.Latency::p99Micros);
      latency(registry, "cluster.client.call.latency.max", t, method, ClusterMetrics.Latency::maxMicros);
      counter(registry, "cluster.client.call.count", "calls of a delegated method", t,
          all -> latencyOf(all, method).count());
    }
  }

  private static ClusterMetrics.Latency latencyOf(ClusterMetrics m, String method) {
    return m.latency().getOrDefault(method, new ClusterMetrics.Latency(0, 0, 0, 0));
  }

  private void latency(
      MeterRegistry registry,
      String name,
      Tags extra,
      String method,
      ToDoubleFunction<ClusterMetrics.Latency> micros) {
    add(registry,
        TimeGauge.builder(name, handle, TimeUnit.MICROSECONDS,
                h -> micros.applyAsDouble(latencyOf(h.metrics(), method)))
            .tags(tags).tags(extra)
            .description("latency of a delegated method's calls, as their callers saw it")
            .register(registry));
  }

  private void gap(MeterRegistry registry, String stat, java.util.function.Function<ClusterMetrics, Duration> gap) {
    add(registry,
        TimeGauge.builder("cluster.client.failover.gap", handle, TimeUnit.NANOSECONDS,
                h -> gap.apply(h.metrics()).toNanos())
            .tags(tags).tag("stat", stat)
            .description("time from a leader's loss to leading or following again")
            .register(registry));
  }

  private void counter(
      MeterRegistry registry, String name, String description, Tags extra, ToDoubleFunction<ClusterMetrics> f) {
    add(registry,
        FunctionCounter.builder(name, handle, h -> f.applyAsDouble(h.metrics()))
            .tags(tags).tags(extra).description(description).register(registry));
  }

  private void gauge(
      MeterRegistry registry, String name, String description, Tags extra, ToDoubleFunction<ClusterHandle> f) {
    add(registry,
        Gauge.builder(name, handle, f).tags(tags).tags(extra).description(description)
            .strongReference(true).register(registry));
  }

  private void add(MeterRegistry registry, Meter meter) {
    synchronized (registered) {
      registered.add(new Registered(registry, meter));
    }
  }

  /** Removes every meter this binder registered, from every registry it was bound to. Idempotent. */
  @Override
  public void close() {
    List<Registered> all;
    synchronized (registered) {
      all = new ArrayList<>(registered);
      registered.clear();
    }
    for (Registered r : all) {
      r.registry().remove(r.meter());
    }
    methods.clear(); // bound again, a registry gets every method's meters again
  }
}
