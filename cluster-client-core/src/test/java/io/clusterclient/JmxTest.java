package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.it.Ports;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each client is an MBean in the platform MBean server, read through JMX as jconsole would. */
@Timeout(60)
class JmxTest {
  public interface Echo {
    @Delegate
    String echo(String s);
  }

  private final List<ClusterRuntime> runtimes = new ArrayList<>();
  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

  @AfterEach
  void close() {
    runtimes.forEach(ClusterRuntime::close);
  }

  private Echo echo(String runtimeName, int port, boolean jmx) throws Exception {
    ClusterRuntime r = ClusterRuntime.builder().name(runtimeName).build();
    runtimes.add(r);
    Echo e = ClusterClient.of(Echo.class)
        .runtime(r)
        .options(ClusterOptions.builder().name("jmx-echo").port(port).jmx(jmx).build())
        .create(() -> s -> s);
    ClusterClient.handle(e).ready().get(20, TimeUnit.SECONDS);
    return e;
  }

  private static ObjectName name(String runtime, int port) throws Exception {
    return new ObjectName("io.clusterclient:type=ClusterClient,runtime=" + ObjectName.quote(runtime)
        + ",name=" + ObjectName.quote("jmx-echo") + ",port=" + port);
  }

  @Test
  void everyClientIsAnMBeanThatShowsItsRoleLeaderFollowersAndCounters() throws Exception {
    int port = Ports.free();
    Echo leader = echo("jmx-a", port, true);
    Echo follower = echo("jmx-b", port, true);
    assertThat(follower.echo("x")).isEqualTo("x");

    ClusterClientMXBean onLeader = JMX.newMXBeanProxy(server, name("jmx-a", port), ClusterClientMXBean.class);
    ClusterClientMXBean onFollower = JMX.newMXBeanProxy(server, name("jmx-b", port), ClusterClientMXBean.class);
    assertThat(onLeader.getRole()).isEqualTo("LEADER");
    assertThat(onLeader.isLeader()).isTrue();
    assertThat(onLeader.getTransport()).isEqualTo("TCP");
    assertThat(onLeader.getLeaderAddress()).isEqualTo("127.0.0.1:" + port);
    assertThat(onLeader.getLeaderPid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(onLeader.getLeaderSince()).isNotEmpty();
    await().atMost(Duration.ofSeconds(20)).until(() -> onLeader.getFollowerCount() == 1);
    assertThat(onLeader.getFollowers()).singleElement().asString().startsWith("pid " + ProcessHandle.current().pid());
    assertThat(onFollower.getRole()).isEqualTo("FOLLOWER");
    assertThat(onFollower.getFollowerCount()).isZero();
    assertThat(onFollower.getCallsSucceeded()).isEqualTo(1);
    assertThat(onFollower.getElections()).isPositive();
    assertThat(onFollower.getLatency()).singleElement().asString().startsWith("Echo.echo(String) count=1 p50=");
    assertThat(onFollower.getCallsInFlight()).isZero();
    assertThat(onFollower.getFailedByKind()).isEmpty();
    assertThat(onFollower.getMaxFailoverGapMillis()).isEqualTo(-1);
    assertThat(onFollower.getBytesOut()).isPositive();
    await().atMost(Duration.ofSeconds(20)).until(() -> onLeader.getBytesIn() == onFollower.getBytesOut());
    assertThat(onFollower.getCallsQueued()).isZero();
    assertThat(onLeader.getFollowersDropped()).isZero();
    assertThat(onLeader.getPushesSent()).isZero();

    ClusterClient.handle(follower).close();
    await().atMost(Duration.ofSeconds(20)).until(() -> !server.isRegistered(name("jmx-b", port)));
    assertThat(server.isRegistered(name("jmx-a", port))).isTrue();
    ClusterClient.handle(leader).close();
    await().atMost(Duration.ofSeconds(20)).until(() -> !server.isRegistered(name("jmx-a", port)));
  }

  @Test
  void jmxFalseRegistersNothing() throws Exception {
    int port = Ports.free();
    echo("jmx-off", port, false);
    assertThat(server.isRegistered(name("jmx-off", port))).isFalse();
  }
}
