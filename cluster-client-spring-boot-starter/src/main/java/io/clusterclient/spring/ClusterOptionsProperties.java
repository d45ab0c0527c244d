package io.clusterclient.spring;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.util.unit.DataSize;

/**
 * The options of a shared client as application properties: the same options as {@link
 * ClusterOptions.Builder}, except the builder-only ones (codec, callback executor) and {@code
 * closeOnShutdown}, which the starter leaves to the application context. An option left unset here
 * falls back, as in the library, to the system property {@code clusterclient.<option>}, the
 * environment variable {@code CLUSTER_CLIENT_<OPTION>}, then the library's default.
 *
 * <p>Not thread-safe: Spring binds it once at startup; read it afterwards only.
 */
public class ClusterOptionsProperties {
  /**
   * Channel name shared by the processes. Default: the name given in code, else the simple name of
   * the client type.
   */
  private String name;

  /** Election port on 127.0.0.1 (0..65535). Default: 7777. */
  private Integer port;

  /** true: lead or fail; false: only follow. Default: unset, compete for leadership. */
  private Boolean leader;

  /** Share within this process only, without any port. Default: false. */
  private Boolean singleMode;

  /** How long ready() waits for a leader. Default: 30s. */
  private Duration maxWaitTime;

  /** Limit of one TCP connect to the leader. Default: 10s. */
  private Duration connectTimeout;

  /**
   * Limit of one call as its caller waits: finding a leader, the round trip and the retry of an
   * idempotent call. Default: 3s.
   */
  private Duration responseTimeout;

  /** Idle time after which a follower sends a heartbeat. Default: 20s. */
  private Duration heartbeatInterval;

  /** Whether the leader drops followers silent for three heartbeat intervals. Default: true. */
  private Boolean checkHeartbeat;

  /** Push each value to every subscribed process (false: to one of them in turn). Default: true. */
  private Boolean broadcast;

  /** Report an error when a subscription's first value does not come in time. Default: none (0). */
  private Duration subscribeTimeout;

  /** Largest packet accepted, at least 1KB; larger ones close the connection. Default: 64MB. */
  private DataSize maxFrameLength;

  /** How many publishes this process remembers to replay to a new leader. Default: 10000. */
  private Integer maxRememberedPublishes;

  /**
   * How long a closing leader serves its followers' calls in flight while one of them takes over;
   * 0 turns handover off. Default: 5s.
   */
  private Duration handoverTimeout;

  /**
   * Whether calls made in the leader's own process go through the codec as a follower's do, so
   * that code behaves the same in every process. Default: true.
   */
  private Boolean codecOnLeader;

  /** The socket the processes meet on: TCP on 127.0.0.1, or UNIX (an owner-only socket in run-dir). Default: TCP. */
  private io.clusterclient.ClusterTransport transport;

  /** The owner-only directory of the secret and of Unix sockets. Default: $XDG_RUNTIME_DIR/cluster-client. */
  private java.nio.file.Path runDir;

  /**
   * Over TCP, let in peers that cannot prove they know the owner's secret (Node.js peers); then
   * any local process can use the client. Default: false.
   */
  private Boolean allowUnauthenticated;

  /** Register a ClusterClientMXBean per client with the platform MBean server. Default: true. */
  private Boolean jmx;

  /** Creates options with nothing set. */
  public ClusterOptionsProperties() {}

  /**
   * The options that are set, each as the property path (under {@code prefix}) and what it does to
   * a builder. The starter applies them in order, and to find which property a failed build names.
   *
   * @param prefix the properties' prefix, for example {@code cluster-client} or {@code
   *     cluster-client.clients.greeter}
   * @return the set options, in a fixed order
   */
  List<Setting> settings(String prefix) {
    List<Setting> out = new ArrayList<>();
    if (name != null) {
      out.add(new Setting(prefix + ".name", b -> b.name(name)));
    }
    if (port != null) {
      out.add(new Setting(prefix + ".port", b -> b.port(port)));
    }
    if (leader != null) {
      out.add(new Setting(prefix + ".leader", b -> b.leader(leader)));
    }
    if (singleMode != null) {
      out.add(new Setting(prefix + ".single-mode", b -> b.singleMode(singleMode)));
    }
    if (maxWaitTime != null) {
      out.add(new Setting(prefix + ".max-wait-time", b -> b.maxWaitTime(maxWaitTime)));
    }
    if (connectTimeout != null) {
      out.add(new Setting(prefix + ".connect-timeout", b -> b.connectTimeout(connectTimeout)));
    }
    if (responseTimeout != null) {
      out.add(new Setting(prefix + ".response-timeout", b -> b.responseTimeout(responseTimeout)));
    }
    if (heartbeatInterval != null) {
      out.add(
          new Setting(prefix + ".heartbeat-interval", b -> b.heartbeatInterval(heartbeatInterval)));
    }
    if (checkHeartbeat != null) {
      out.add(new Setting(prefix + ".check-heartbeat", b -> b.checkHeartbeat(checkHeartbeat)));
    }
    if (broadcast != null) {
      out.add(new Setting(prefix + ".broadcast", b -> b.broadcast(broadcast)));
    }
    if (subscribeTimeout != null) {
      out.add(
          new Setting(prefix + ".subscribe-timeout", b -> b.subscribeTimeout(subscribeTimeout)));
    }
    if (maxFrameLength != null) {
      String path = prefix + ".max-frame-length";
      long bytes = maxFrameLength.toBytes();
      if (bytes > Integer.MAX_VALUE) {
        throw new ClusterConfigurationException(
            "property " + path + " is " + maxFrameLength + ", more than the maximum of "
                + Integer.MAX_VALUE + " bytes (2GB): set it to at most 2047MB");
      }
      out.add(new Setting(path, b -> b.maxFrameLength((int) bytes)));
    }
    if (maxRememberedPublishes != null) {
      out.add(
          new Setting(
              prefix + ".max-remembered-publishes",
              b -> b.maxRememberedPublishes(maxRememberedPublishes)));
    }
    if (handoverTimeout != null) {
      out.add(new Setting(prefix + ".handover-timeout", b -> b.handoverTimeout(handoverTimeout)));
    }
    if (codecOnLeader != null) {
      out.add(new Setting(prefix + ".codec-on-leader", b -> b.codecOnLeader(codecOnLeader)));
    }
    if (transport != null) {
      out.add(new Setting(prefix + ".transport", b -> b.transport(transport)));
    }
    if (runDir != null) {
      out.add(new Setting(prefix + ".run-dir", b -> b.runDir(runDir)));
    }
    if (jmx != null) {
      out.add(new Setting(prefix + ".jmx", b -> b.jmx(jmx)));
    }
    if (allowUnauthenticated != null) {
      out.add(new Setting(prefix + ".allow-unauthenticated", b -> b.allowUnauthenticated(allowUnauthenticated)));
    }
    return out;
  }

  /** One option that is set: its property path, and how it is applied. */
  record Setting(String property, Consumer<ClusterOptions.Builder> apply) {}

  /**
   * The channel name.
   *
   * @return the name, or null when unset
   */
  public String getName() {
    return name;
  }

  /**
   * Sets the channel name.
   *
   * @param name the name
   */
  public void setName(String name) {
    this.name = name;
  }

  /**
   * The election port.
   *
   * @return the port, or null when unset
   */
  public Integer getPort() {
    return port;
  }

  /**
   * Sets the election port.
   *
   * @param port the port
   */
  public void setPort(Integer port) {
    this.port = port;
  }

  /**
   * The forced role.
   *
   * @return true to lead, false to follow, null to compete
   */
  public Boolean getLeader() {
    return leader;
  }

  /**
   * Forces the role.
   *
   * @param leader true to lead, false to follow, null to compete
   */
  public void setLeader(Boolean leader) {
    this.leader = leader;
  }

  /**
   * Whether to share within this process only.
   *
   * @return the value, or null when unset
   */
  public Boolean getSingleMode() {
    return singleMode;
  }

  /**
   * Sets whether to share within this process only.
   *
   * @param singleMode the value
   */
  public void setSingleMode(Boolean singleMode) {
    this.singleMode = singleMode;
  }

  /**
   * How long ready() waits for a leader.
   *
   * @return the value, or null when unset
   */
  public Duration getMaxWaitTime() {
    return maxWaitTime;
  }

  /**
   * Sets how long ready() waits for a leader.
   *
   * @param maxWaitTime the value
   */
  public void setMaxWaitTime(Duration maxWaitTime) {
    this.maxWaitTime = maxWaitTime;
  }

  /**
   * The limit of one TCP connect.
   *
   * @return the value, or null when unset
   */
  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  /**
   * Sets the limit of one TCP connect.
   *
   * @param connectTimeout the value
   */
  public void setConnectTimeout(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /**
   * The limit of one call.
   *
   * @return the value, or null when unset
   */
  public Duration getResponseTimeout() {
    return responseTimeout;
  }

  /**
   * Sets the limit of one call.
   *
   * @param responseTimeout the value
   */
  public void setResponseTimeout(Duration responseTimeout) {
    this.responseTimeout = responseTimeout;
  }

  /**
   * The idle time before a heartbeat.
   *
   * @return the value, or null when unset
   */
  public Duration getHeartbeatInterval() {
    return heartbeatInterval;
  }

  /**
   * Sets the idle time before a heartbeat.
   *
   * @param heartbeatInterval the value
   */
  public void setHeartbeatInterval(Duration heartbeatInterval) {
    this.heartbeatInterval = heartbeatInterval;
  }

  /**
   * Whether the leader checks heartbeats.
   *
   * @return the value, or null when unset
   */
  public Boolean getCheckHeartbeat() {
    return checkHeartbeat;
  }

  /**
   * Sets whether the leader checks heartbeats.
   *
   * @param checkHeartbeat the value
   */
  public void setCheckHeartbeat(Boolean checkHeartbeat) {
    this.checkHeartbeat = checkHeartbeat;
  }

  /**
   * Whether values go to every subscribed process.
   *
   * @return the value, or null when unset
   */
  public Boolean getBroadcast() {
    return broadcast;
  }

  /**
   * Sets whether values go to every subscribed process.
   *
   * @param broadcast the value
   */
  public void setBroadcast(Boolean broadcast) {
    this.broadcast = broadcast;
  }

  /**
   * How long a subscription waits for its first value.
   *
   * @return the value, or null when unset
   */
  public Duration getSubscribeTimeout() {
    return subscribeTimeout;
  }

  /**
   * Sets how long a subscription waits for its first value.
   *
   * @param subscribeTimeout the value; zero for none
   */
  public void setSubscribeTimeout(Duration subscribeTimeout) {
    this.subscribeTimeout = subscribeTimeout;
  }

  /**
   * The largest packet accepted.
   *
   * @return the value, or null when unset
   */
  public DataSize getMaxFrameLength() {
    return maxFrameLength;
  }

  /**
   * Sets the largest packet accepted.
   *
   * @param maxFrameLength the value; a plain number is bytes
   */
  public void setMaxFrameLength(DataSize maxFrameLength) {
    this.maxFrameLength = maxFrameLength;
  }

  /**
   * How many publishes are remembered for replay.
   *
   * @return the value, or null when unset
   */
  public Integer getMaxRememberedPublishes() {
    return maxRememberedPublishes;
  }

  /**
   * Sets how many publishes are remembered for replay.
   *
   * @param maxRememberedPublishes the value
   */
  public void setMaxRememberedPublishes(Integer maxRememberedPublishes) {
    this.maxRememberedPublishes = maxRememberedPublishes;
  }

  /**
   * How long a closing leader hands over.
   *
   * @return the value, or null when unset
   */
  public Duration getHandoverTimeout() {
    return handoverTimeout;
  }

  /**
   * Sets how long a closing leader hands over.
   *
   * @param handoverTimeout the value; zero turns handover off
   */
  public void setHandoverTimeout(Duration handoverTimeout) {
    this.handoverTimeout = handoverTimeout;
  }

  /**
   * Whether the leader's own calls go through the codec.
   *
   * @return the value, or null when unset
   */
  public Boolean getCodecOnLeader() {
    return codecOnLeader;
  }

  /**
   * Sets whether the leader's own calls go through the codec.
   *
   * @param codecOnLeader false to skip the copies on the leader
   */
  public void setCodecOnLeader(Boolean codecOnLeader) {
    this.codecOnLeader = codecOnLeader;
  }

  /**
   * The socket the processes meet on.
   *
   * @return the value, or null when unset
   */
  public io.clusterclient.ClusterTransport getTransport() {
    return transport;
  }

  /**
   * Sets the socket the processes meet on.
   *
   * @param transport TCP or UNIX
   */
  public void setTransport(io.clusterclient.ClusterTransport transport) {
    this.transport = transport;
  }

  /**
   * The run directory.
   *
   * @return the value, or null when unset
   */
  public java.nio.file.Path getRunDir() {
    return runDir;
  }

  /**
   * Sets the run directory.
   *
   * @param runDir an owner-only directory
   */
  public void setRunDir(java.nio.file.Path runDir) {
    this.runDir = runDir;
  }

  /**
   * Whether unauthenticated peers are let in over TCP.
   *
   * @return the value, or null when unset
   */
  public Boolean getAllowUnauthenticated() {
    return allowUnauthenticated;
  }

  /**
   * Sets whether unauthenticated peers are let in over TCP.
   *
   * @param allowUnauthenticated true to let Node.js peers in
   */
  public void setAllowUnauthenticated(Boolean allowUnauthenticated) {
    this.allowUnauthenticated = allowUnauthenticated;
  }

  /**
   * Whether an MBean is registered per client.
   *
   * @return the value, or null when unset
   */
  public Boolean getJmx() {
    return jmx;
  }

  /**
   * Sets whether an MBean is registered per client.
   *
   * @param jmx false to register none
   */
  public void setJmx(Boolean jmx) {
    this.jmx = jmx;
  }
}
