package io.clusterclient.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.Delegate;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The binder, read through a SimpleMeterRegistry, for a leader and a follower in one JVM. */
@Timeout(60)
class ClusterClientMetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  public interface Echo {
    @Delegate
    String echo(String s);
  }

  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  @AfterEach
  void close() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private ClusterHandle echo(int port) throws Exception {
    ClusterRuntime r = ClusterRuntime.builder().name("micrometer-" + runtimes.size()).build();
    runtimes.add(r);
    Echo e = ClusterClient.of(Echo.class)
        .runtime(r)
        .options(ClusterOptions.builder().name("echo").port(port).jmx(false).build())
        .create(() -> s -> s);
    ClusterHandle h = ClusterClient.handle(e);
    h.ready().get(20, TimeUnit.SECONDS);
    return h;
  }

  private static double value(MeterRegistry registry, String name, String... tags) {
    Meter meter = registry.find(name).tags(tags).meter();
    assertThat(meter).as("%s %s", name, List.of(tags)).isNotNull();
    return meter.measure().iterator().next().getValue();
  }

  @Test
  void everyMeterReflectsTheClientTaggedWithItsNameAndPort() throws Exception {
    int port = freePort();
    ClusterHandle leader = echo(port);
    ClusterHandle follower = echo(port);
    Echo client = ClusterClient.of(Echo.class).runtime(runtimes.get(1))
        .options(ClusterOptions.builder().name("echo").port(port).jmx(false).build())
        .create(() -> s -> s);
    ClusterClient.handle(client).ready().get(20, TimeUnit.SECONDS);
    for (int i = 0; i < 7; i++) {
      client.echo("x" + i);
    }

    SimpleMeterRegistry onFollower = new SimpleMeterRegistry();
    SimpleMeterRegistry onLeader = new SimpleMeterRegistry();
    ClusterClientMetrics followerMetrics = new ClusterClientMetrics(follower, Tags.of("app", "test"));
    followerMetrics.bindTo(onFollower);
    new ClusterClientMetrics(leader).bindTo(onLeader);

    String[] mine = {"client", "echo", "port", String.valueOf(port), "app", "test"};
    assertThat(value(onFollower, "cluster.client.role", "role", "FOLLOWER")).isEqualTo(1);
    assertThat(value(onFollower, "cluster.client.role", "role", "LEADER")).isZero();
    assertThat(value(onLeader, "cluster.client.role", "role", "LEADER")).isEqualTo(1);
    assertThat(value(onFollower, "cluster.client.calls", "result", "succeeded")).isEqualTo(7);
    assertThat(value(onFollower, "cluster.client.calls", "result", "failed")).isZero();
    assertThat(value(onFollower, "cluster.client.call.count", "method", "Echo.echo(String)")).isEqualTo(7);
    assertThat(value(onFollower, "cluster.client.call.latency", "method", "Echo.echo(String)", "quantile", "0.5"))
        .as("seconds").isPositive().isLessThan(20);
    assertThat(value(onFollower, "cluster.client.call.latency.max", "method", "Echo.echo(String)"))
        .isGreaterThanOrEqualTo(
            value(onFollower, "cluster.client.call.latency", "method", "Echo.echo(String)", "quantile", "0.99"));
    assertThat(value(onFollower, "cluster.client.elections")).isPositive();
    assertThat(value(onFollower, "cluster.client.calls.in.flight")).isZero();
    assertThat(value(onFollower, "cluster.client.calls.queued")).isZero();
    assertThat(value(onFollower, "cluster.client.calls.failed", "kind", "timeout")).isZero();
    assertThat(value(onFollower, "cluster.client.failover.gap", "stat", "max")).isZero();
    assertThat(value(onFollower, "cluster.client.bytes.sent")).isPositive();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(value(onLeader, "cluster.client.bytes.received"))
          .isEqualTo(value(onFollower, "cluster.client.bytes.sent"));
      assertThat(value(onLeader, "cluster.client.followers")).isEqualTo(1);
      assertThat(value(onLeader, "cluster.client.calls.served")).isEqualTo(7);
    });
    assertThat(onFollower.find("cluster.client.calls").tags(mine).meters()).hasSize(2);
    assertThat(onFollower.getMeters())
        .as("every meter carries the client's tags")
        .allSatisfy(m -> assertThat(m.getId().getTags()).containsAll(Tags.of(mine)));

    followerMetrics.close();
    assertThat(onFollower.getMeters()).as("close removes them").isEmpty();
    followerMetrics.close(); // idempotent
  }

  @Test
  void aMethodFirstCalledAfterBindingAppearsAtTheNextScrape() throws Exception {
    int port = freePort();
    echo(port);
    ClusterHandle h = echo(port);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new ClusterClientMetrics(h).bindTo(registry);
    assertThat(registry.find("cluster.client.call.count").meters()).isEmpty();

    Echo client = ClusterClient.of(Echo.class).runtime(runtimes.get(1))
        .options(ClusterOptions.builder().name("echo").port(port).jmx(false).build())
        .create(() -> s -> s);
    client.echo("late");
    registry.getMetersAsString(); // a scrape: reads every meter

    assertThat(value(registry, "cluster.client.call.count", "method", "Echo.echo(String)")).isEqualTo(1);
  }

  @Test
  void oneBinderBoundToTwoRegistriesGivesEachTheMethodMeters() throws Exception {
    int port = freePort();
    echo(port);
    ClusterHandle h = echo(port);
    Echo client = ClusterClient.of(Echo.class).runtime(runtimes.get(1))
        .options(ClusterOptions.builder().name("echo").port(port).jmx(false).build())
        .create(() -> s -> s);
    client.echo("before");
    ClusterClientMetrics binder = new ClusterClientMetrics(h);
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    binder.bindTo(first);
    binder.bindTo(second);
    assertThat(value(first, "cluster.client.call.count", "method", "Echo.echo(String)")).isEqualTo(1);
    assertThat(value(second, "cluster.client.call.count", "method", "Echo.echo(String)")).isEqualTo(1);
  }
}
