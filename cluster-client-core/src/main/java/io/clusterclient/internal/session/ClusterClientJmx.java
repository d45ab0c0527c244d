package io.clusterclient.internal.session;

import io.clusterclient.ClusterClientMXBean;
import io.clusterclient.ClusterMetrics;
import io.clusterclient.FollowerInfo;
import io.clusterclient.LeaderInfo;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import javax.management.JMException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClusterClientMXBean} of one session: reads its state when asked, never caches it.
 * Registered when the session starts, unregistered when it closes. Thread-safe.
 */
final class ClusterClientJmx implements ClusterClientMXBean {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterClientJmx.class);

  private final SessionMachine session;
  private final ObjectName objectName;

  private ClusterClientJmx(SessionMachine session, ObjectName objectName) {
    this.session = session;
    this.objectName = objectName;
  }

  /**
   * Registers the MBean of a session with the platform MBean server; a failure is logged, never
   * thrown: monitoring must not stop a client.
   *
   * @param session the session
   * @param runtime its runtime's name, which tells apart clients of one name on several runtimes
   * @return the registered bean, or null when it could not be registered
   */
  static ClusterClientJmx register(SessionMachine session, String runtime) {
    try {
      ObjectName name =
          new ObjectName(
              "io.clusterclient:type=ClusterClient,runtime=" + ObjectName.quote(runtime)
                  + ",name=" + ObjectName.quote(session.name()) + ",port=" + session.port());
      ClusterClientJmx bean = new ClusterClientJmx(session, name);
      ManagementFactory.getPlatformMBeanServer().registerMBean(bean, name);
      return bean;
    } catch (JMException | RuntimeException e) {
      LOG.debug("[cluster-client:{}] no MBean: {}", session.name(), e.toString());
      return null;
    }
  }

  /** Unregisters it; idempotent. */
  void unregister() {
    try {
      if (ManagementFactory.getPlatformMBeanServer().isRegistered(objectName)) {
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
      }
    } catch (JMException | RuntimeException e) {
      LOG.debug("[cluster-client:{}] MBean left registered: {}", session.name(), e.toString());
    }
  }

  private Optional<LeaderInfo> leader() {
    return session.leaderInfo();
  }

  private ClusterMetrics metrics() {
    return session.metrics();
  }

  @Override
  public String getName() {
    return session.name();
  }

  @Override
  public int getPort() {
    return session.port();
  }

  @Override
  public String getTransport() {
    return session.options().transport().name();
  }

  @Override
  public String getRole() {
    return session.role().name();
  }

  @Override
  public boolean isLeader() {
    return session.role().isLeader();
  }

  @Override
  public long getLeaderPid() {
    return leader().map(LeaderInfo::pid).orElse(-1L);
  }

  @Override
  public String getLeaderAddress() {
    return leader().map(LeaderInfo::address).orElse("");
  }

  @Override
  public String getLeaderSince() {
    return leader().map(l -> l.since() == null ? "" : l.since().toString()).orElse("");
  }

  @Override
  public int getFollowerCount() {
    return session.followers().size();
  }

  @Override
  public String[] getFollowers() {
    return session.followers().stream().map(ClusterClientJmx::describe).toArray(String[]::new);
  }

  private static String describe(FollowerInfo f) {
    return "pid " + f.pid() + " " + f.address() + " since " + f.connectedSince() + ", calls in flight "
        + f.callsInFlight() + ", subscriptions " + f.subscriptions() + ", last heard " + f.lastHeard();
  }

  @Override
  public String[] getSubscriptions() {
    return session.subscriptionKeys().toArray(new String[0]);
  }

  @Override
  public int getRememberedPublishes() {
    return session.rememberedPublishes();
  }

  @Override
  public long getCallsSucceeded() {
    return metrics().succeeded();
  }

  @Override
  public long getCallsFailed() {
    return metrics().failed();
  }

  @Override
  public long getCallsRetried() {
    return metrics().retried();
  }

  @Override
  public long getElections() {
    return metrics().elections();
  }

  @Override
  public long getCallsInFlight() {
    return metrics().inFlight();
  }

  @Override
  public String[] getFailedByKind() {
    return metrics().failedByKind().entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .toArray(String[]::new);
  }

  @Override
  public String[] getLatency() {
    return metrics().latency().entrySet().stream()
        .map(e -> e.getKey() + " count=" + e.getValue().count() + " p50=" + e.getValue().p50Micros()
            + "us p99=" + e.getValue().p99Micros() + "us max=" + e.getValue().maxMicros() + "us")
        .toArray(String[]::new);
  }

  @Override
  public long getFailovers() {
    return metrics().failovers();
  }

  @Override
  public long getMaxFailoverGapMillis() {
    return metrics().maxFailoverGap().map(java.time.Duration::toMillis).orElse(-1L);
  }

  @Override
  public long getCallsQueued() {
    return metrics().queued();
  }

  @Override
  public long getCallsQueuedTotal() {
    return metrics().queuedTotal();
  }

  @Override
  public long getBytesIn() {
    return metrics().bytesIn();
  }

  @Override
  public long getBytesOut() {
    return metrics().bytesOut();
  }

  @Override
  public long getPushesSent() {
    return metrics().pushesSent();
  }

  @Override
  public long getPushesDelivered() {
    return metrics().pushesDelivered();
  }

  @Override
  public long getFollowersDropped() {
    return metrics().followersDropped();
  }

  @Override
  public long getCallsServed() {
    return metrics().callsServed();
  }
}
