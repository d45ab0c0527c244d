package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The meters of ClusterHandle.metrics(): latency per method, in flight, failures by kind, failover gaps. */
@Timeout(60)
class MetersTest {
  public interface Service {
    @Delegate
    String echo(String s);

    CompletableFuture<String> echoAsync(String s);

    @Delegate
    String fail(String why);

    @Delegate
    String slow(long millis) throws InterruptedException;
  }

  static final class RealService implements Service {
    @Override
    public String echo(String s) {
      return s;
    }

    @Override
    public CompletableFuture<String> echoAsync(String s) {
      return CompletableFuture.completedFuture(s);
    }

    @Override
    public String fail(String why) {
      throw new IllegalStateException(why);
    }

    @Override
    public String slow(long millis) throws InterruptedException {
      Thread.sleep(millis);
      return "late";
    }
  }

  private final List<ClusterRuntime> runtimes = new ArrayList<>();

  @AfterEach
  void close() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private Service service(int port) throws Exception {
    ClusterRuntime r = ClusterRuntime.builder().name("meters-" + runtimes.size()).build();
    runtimes.add(r);
    Service s = ClusterClient.of(Service.class)
        .runtime(r)
        .options(ClusterOptions.builder().name("meters").port(port)
            .responseTimeout(Duration.ofMillis(500))
            .handoverTimeout(Duration.ZERO) // its close is a crash, as the followers see it
            .build())
        .create(RealService::new);
    ClusterClient.handle(s).ready().get(20, TimeUnit.SECONDS);
    return s;
  }

  @Test
  void callsAreMeteredByMethodAndFailuresByKindAndFailoversByGap() throws Exception {
    int port = Ports.free();
    service(port);
    Service follower = service(port);
    ClusterHandle handle = ClusterClient.handle(follower);

    for (int i = 0; i < 50; i++) {
      follower.echo("x" + i);
      follower.echoAsync("y" + i).get(10, TimeUnit.SECONDS);
    }
    assertThatThrownBy(() -> follower.fail("no")).isInstanceOf(RemoteInvocationException.class);
    assertThatThrownBy(() -> follower.slow(2_000)).isInstanceOf(ClusterTimeoutException.class);

    ClusterMetrics m = handle.metrics();
    ClusterMetrics.Latency echo = m.latency().get("Service.echo(String)");
    assertThat(echo.count()).isEqualTo(50);
    assertThat(echo.p50Micros()).isPositive().isLessThanOrEqualTo(echo.p99Micros());
    assertThat(echo.p99Micros()).isLessThanOrEqualTo(echo.maxMicros());
    assertThat(m.latency().get("Service.echoAsync(String)").count()).isEqualTo(50);
    assertThat(m.latency().get("Service.slow(long)").maxMicros()).isGreaterThanOrEqualTo(500_000);
    assertThat(m.failedByKind()).containsEntry("remote", 1L).containsEntry("timeout", 1L);
    assertThat(m.inFlight()).isZero();
    assertThat(m.failovers()).isZero();
    assertThat(m.maxFailoverGap()).isEmpty();

    runtimes.get(0).close(); // the leader goes, as a crash would
    await().atMost(Duration.ofSeconds(20)).until(() -> handle.isLeader());
    await().atMost(Duration.ofSeconds(20)).until(() -> handle.metrics().failovers() == 1);
    ClusterMetrics after = handle.metrics();
    assertThat(after.lastFailoverGap()).hasValueSatisfying(g -> assertThat(g).isPositive());
    assertThat(after.maxFailoverGap()).isEqualTo(after.lastFailoverGap());
    assertThat(after.latency().get("Service.echo(String)").count()).as("cumulative").isEqualTo(50);
  }
}
