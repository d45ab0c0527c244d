package io.clusterclient;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

/**
 * Options of one cluster client. Immutable and thread-safe; build one with {@link #builder()}.
 *
 * <p>Every option left unset on the builder is read, in this order, from the system property {@code
 * clusterclient.<option>} (for example {@code -Dclusterclient.port=7788}), then from the environment
 * variable {@code CLUSTER_CLIENT_<OPTION>} (for example {@code CLUSTER_CLIENT_PORT=7788}), then takes
 * its default. Durations are read as milliseconds ({@code 3000}) or ISO-8601 ({@code PT3S}). The port
 * and single mode also read, last, the variables of Node.js cluster-client, {@code
 * NODE_CLUSTER_CLIENT_PORT} and {@code NODE_CLUSTER_CLIENT_SINGLE_MODE} ({@code 1} for single mode,
 * {@code 0} for none: the only values both libraries read alike), so that one environment configures
 * a host of Java and Node.js processes.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>name</td><td>simple name of the client type</td><td>channel name shared by the processes</td></tr>
 *   <tr><td>port</td><td>7777</td><td>local port of the election, bound on 127.0.0.1 only</td></tr>
 *   <tr><td>leader</td><td>unset: compete</td><td>true: lead or fail; false: only follow</td></tr>
 *   <tr><td>singleMode</td><td>false</td><td>no port, no network: instances share within the process</td></tr>
 *   <tr><td>maxWaitTime</td><td>30 s</td><td>how long to wait for a leader before ready() fails</td></tr>
 *   <tr><td>connectTimeout</td><td>10 s</td><td>limit of one TCP connect to the leader</td></tr>
 *   <tr><td>responseTimeout</td><td>3 s</td><td>limit of one call's round trip</td></tr>
 *   <tr><td>heartbeatInterval</td><td>20 s</td><td>idle time after which a follower sends a heartbeat</td></tr>
 *   <tr><td>checkHeartbeat</td><td>true</td><td>leader closes followers silent for 3 heartbeat intervals</td></tr>
 *   <tr><td>broadcast</td><td>true</td><td>push each value to every subscribed process (false: one)</td></tr>
 *   <tr><td>subscribeTimeout</td><td>none</td><td>report an error when no first value comes in time</td></tr>
 *   <tr><td>maxFrameLength</td><td>64 MiB</td><td>largest packet accepted; larger ones close the connection</td></tr>
 *   <tr><td>maxRememberedPublishes</td><td>10,000</td><td>publishes a process remembers for replay</td></tr>
 *   <tr><td>handoverTimeout</td><td>5 s</td><td>how long a closing leader lets followers finish their calls (0: no handover)</td></tr>
 *   <tr><td>closeOnShutdown</td><td>false</td><td>close (and hand over) from a JVM shutdown hook: SIGTERM, System.exit</td></tr>
 *   <tr><td>transport</td><td>TCP</td><td>TCP on 127.0.0.1, or a Unix-domain socket in runDir</td></tr>
 *   <tr><td>runDir</td><td>$XDG_RUNTIME_DIR/cluster-client, else a per-user directory in java.io.tmpdir</td><td>where Unix sockets live (owner-only)</td></tr>
 *   <tr><td>allowUnauthenticated</td><td>false</td><td>over TCP, let in peers that cannot prove they know the owner's secret (Node.js)</td></tr>
 *   <tr><td>jmx</td><td>true</td><td>register an MBean per client (ClusterClientMXBean)</td></tr>
 *   <tr><td>codecOnLeader</td><td>true</td><td>the leader's own calls go through the codec, as a follower's do</td></tr>
 * </table>
 */
public final class ClusterOptions {
  /** The port the original library uses by default. */
  public static final int DEFAULT_PORT = 7777;

  private final String name;
  private final int port;
  private final Boolean leader;
  private final boolean singleMode;
  private final Duration maxWaitTime;
  private final Duration connectTimeout;
  private final Duration responseTimeout;
  private final Duration heartbeatInterval;
  private final boolean checkHeartbeat;
  private final boolean broadcast;
  private final Duration subscribeTimeout;
  private final int maxFrameLength;
  private final int maxRememberedPublishes;
  private final Duration handoverTimeout;
  private final boolean closeOnShutdown;
  private final boolean codecOnLeader;
  private final ClusterTransport transport;
  private final boolean allowUnauthenticated;
  private final boolean jmx;
  private final java.nio.file.Path runDir;
  private final ClusterCodec codec;
  private final java.util.function.Function<Object, String> formatKey;
  private final Executor callbackExecutor;
  /** Where each option's value came from: "code", "default", or the property or variable. */
  private final java.util.Map<String, String> origins;

  private ClusterOptions(Builder b, UnaryOperator<String> properties, UnaryOperator<String> env) {
    Source s = new Source(properties, env);
    this.name = b.name != null ? b.name : s.string("name", null);
    this.port = b.port != null ? b.port : s.integer("port", DEFAULT_PORT);
    if (port < 0 || port > 65535) {
      throw new ClusterConfigurationException(s.origin("port", port) + ", not within 0..65535");
    }
    this.leader = b.leader != null ? b.leader : s.bool("leader", null);
    this.singleMode = b.singleMode != null ? b.singleMode : s.bool("singleMode", false);
    this.maxWaitTime = positive("maxWaitTime", b.maxWaitTime, s, Duration.ofSeconds(30));
    this.connectTimeout = positive("connectTimeout", b.connectTimeout, s, Duration.ofSeconds(10));
    this.responseTimeout = positive("responseTimeout", b.responseTimeout, s, Duration.ofSeconds(3));
    this.heartbeatInterval =
        positive("heartbeatInterval", b.heartbeatInterval, s, Duration.ofSeconds(20));
    this.checkHeartbeat = b.checkHeartbeat != null ? b.checkHeartbeat : s.bool("checkHeartbeat", true);
    this.broadcast = b.broadcast != null ? b.broadcast : s.bool("broadcast", true);
    Duration st = b.subscribeTimeout != null ? b.subscribeTimeout : s.duration("subscribeTimeout", null);
    this.subscribeTimeout =
        st == null || st.isZero() ? null : requirePositive("subscribeTimeout", st, s);
    this.maxFrameLength =
        b.maxFrameLength != null ? b.maxFrameLength : s.integer("maxFrameLength", 64 << 20);
    if (maxFrameLength < 1024) {
      throw new ClusterConfigurationException(
          s.origin("maxFrameLength", maxFrameLength) + ", less than the minimum of 1024 bytes");
    }
    this.maxRememberedPublishes =
        b.maxRememberedPublishes != null
            ? b.maxRememberedPublishes
            : s.integer("maxRememberedPublishes", 10_000);
    if (maxRememberedPublishes < 1) {
      throw new ClusterConfigurationException(
          s.origin("maxRememberedPublishes", maxRememberedPublishes) + ", not at least 1");
    }
    Duration ht =
        b.handoverTimeout != null ? b.handoverTimeout : s.duration("handoverTimeout", Duration.ofSeconds(5));
    if (ht.isNegative()) {
      throw new ClusterConfigurationException(s.origin("handoverTimeout", ht) + ", which is negative");
    }
    this.handoverTimeout = ht;
    this.closeOnShutdown =
        b.closeOnShutdown != null ? b.closeOnShutdown : s.bool("closeOnShutdown", false);
    this.codecOnLeader = b.codecOnLeader != null ? b.codecOnLeader : s.bool("codecOnLeader", true);
    this.transport = b.transport != null ? b.transport : s.transport("transport", ClusterTransport.TCP);
    this.allowUnauthenticated =
        b.allowUnauthenticated != null ? b.allowUnauthenticated : s.bool("allowUnauthenticated", false);
    this.jmx = b.jmx != null ? b.jmx : s.bool("jmx", true);
    String dir = b.runDir != null ? b.runDir.toString() : s.string("runDir", null);
    try {
      this.runDir = dir == null || dir.isBlank() ? null : java.nio.file.Path.of(dir);
    } catch (java.nio.file.InvalidPathException e) {
      throw new ClusterConfigurationException(s.origin("runDir", dir) + ", not a path: " + e.getMessage());
    }
    this.codec = b.codec;
    this.formatKey = b.formatKey;
    this.callbackExecutor = b.callbackExecutor;
    java.util.Map<String, String> from = new java.util.HashMap<>(s.sources);
    for (String option : OPTIONS) {
      if (b.isSet(option)) {
        String origin = b.inherited.getOrDefault(option, "code");
        if (!origin.equals("default")) {
          from.put(option, origin);
        }
      }
    }
    this.origins = java.util.Map.copyOf(from);
  }

  private static final java.util.List<String> OPTIONS =
      java.util.List.of("name", "port", "leader", "singleMode", "maxWaitTime", "connectTimeout",
          "responseTimeout", "heartbeatInterval", "checkHeartbeat", "broadcast", "subscribeTimeout",
          "maxFrameLength", "maxRememberedPublishes", "handoverTimeout", "closeOnShutdown",
          "codecOnLeader", "transport", "allowUnauthenticated", "jmx", "runDir", "codec",
          "formatKey", "callbackExecutor");

  /**
   * Where an option's value came from, for messages that tell how to change it.
   *
   * @param option an option's name, as in the builder: {@code "port"}
   * @return {@code "code"} (set on the builder, which the environment cannot override), {@code
   *     "system property clusterclient.<option>"}, {@code "environment variable
   *     CLUSTER_CLIENT_<OPTION>"} (or {@code NODE_CLUSTER_CLIENT_PORT}, {@code
   *     NODE_CLUSTER_CLIENT_SINGLE_MODE}), or {@code "default"}
   * @throws IllegalArgumentException for a name that is not an option
   */
  public String originOf(String option) {
    if (!OPTIONS.contains(option)) {
      throw new IllegalArgumentException("'" + option + "' is not an option; options: " + OPTIONS);
    }
    return origins.getOrDefault(option, "default");
  }

  /**
   * A new builder with nothing set.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Options with every value from system properties, environment variables or defaults.
   *
   * @return the default options
   */
  public static ClusterOptions defaults() {
    return builder().build();
  }

  /**
   * A builder that starts from the values of these options.
   *
   * @return a builder holding these values
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.port = port;
    b.leader = leader;
    b.singleMode = singleMode;
    b.maxWaitTime = maxWaitTime;
    b.connectTimeout = connectTimeout;
    b.responseTimeout = responseTimeout;
    b.heartbeatInterval = heartbeatInterval;
    b.checkHeartbeat = checkHeartbeat;
    b.broadcast = broadcast;
    b.subscribeTimeout = subscribeTimeout == null ? Duration.ZERO : subscribeTimeout;
    b.maxFrameLength = maxFrameLength;
    b.maxRememberedPublishes = maxRememberedPublishes;
    b.handoverTimeout = handoverTimeout;
    b.closeOnShutdown = closeOnShutdown;
    b.codecOnLeader = codecOnLeader;
    b.transport = transport;
    b.allowUnauthenticated = allowUnauthenticated;
    b.jmx = jmx;
    b.runDir = runDir;
    b.codec = codec;
    b.formatKey = formatKey;
    b.callbackExecutor = callbackExecutor;
    for (String option : OPTIONS) {
      b.inherited.put(option, originOf(option));
    }
    return b;
  }

  /**
   * The channel name, or empty when the client type's simple name is to be used.
   *
   * @return the name if one was set
   */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  /**
   * The election port on 127.0.0.1. Port 0 is only meaningful with {@code leader(true)} in tests.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * The forced role: true to lead (fail if the port is taken), false to only follow, empty to compete.
   *
   * @return the forced role, if any
   */
  public Optional<Boolean> leader() {
    return Optional.ofNullable(leader);
  }

  /**
   * Whether instances share within this process only, without any port.
   *
   * @return true in single mode
   */
  public boolean singleMode() {
    return singleMode;
  }

  /**
   * How long {@code ready()} waits for a leader before it fails.
   *
   * @return the wait limit
   */
  public Duration maxWaitTime() {
    return maxWaitTime;
  }

  /**
   * The limit of one TCP connect to the leader.
   *
   * @return the connect timeout
   */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * The limit of one call's round trip to the leader.
   *
   * @return the response timeout
   */
  public Duration responseTimeout() {
    return responseTimeout;
  }

  /**
   * The idle time after which a follower sends a heartbeat.
   *
   * @return the heartbeat interval
   */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /**
   * Whether the leader closes followers that stay silent for three heartbeat intervals.
   *
   * @return true when heartbeats are checked
   */
  public boolean checkHeartbeat() {
    return checkHeartbeat;
  }

  /**
   * Whether each pushed value goes to every subscribed process (true) or to one of them in turn.
   *
   * @return true when values are broadcast
   */
  public boolean broadcast() {
    return broadcast;
  }

  /**
   * How long a subscription may wait for its first value before an error is reported.
   *
   * @return the limit, or empty for none
   */
  public Optional<Duration> subscribeTimeout() {
    return Optional.ofNullable(subscribeTimeout);
  }

  /**
   * The largest packet, header included, that this process accepts.
   *
   * @return the limit in bytes
   */
  public int maxFrameLength() {
    return maxFrameLength;
  }

  /**
   * How many publishes (by registration key) a process remembers to replay to a new leader. A
   * publish with a new key past this many fails with a {@link ClusterException}; {@link
   * ClusterHandle#retractPublish(Object)} forgets one.
   *
   * @return at least 1; 10,000 by default
   */
  public int maxRememberedPublishes() {
    return maxRememberedPublishes;
  }

  /**
   * How long a leader that closes waits for its followers to finish the calls they have in flight
   * before it closes their connections. Meanwhile the port is free: a follower takes over, and the
   * calls made after the close wait for it. Zero closes at once: followers see the leader lost, as
   * after a crash.
   *
   * @return the limit; 5 s by default, zero for no handover
   */
  public Duration handoverTimeout() {
    return handoverTimeout;
  }

  /**
   * Whether a JVM shutdown hook closes the client: on SIGTERM or {@code System.exit}, a leader
   * hands over to a follower instead of vanishing, as it does on {@code close()}.
   *
   * @return true when the client closes on shutdown
   */
  public boolean closeOnShutdown() {
    return closeOnShutdown;
  }

  /**
   * Whether calls made in the leader's own process go through the codec as a follower's do.
   *
   * @return true (the default) when the leader's calls copy arguments and results through the codec
   */
  public boolean codecOnLeader() {
    return codecOnLeader;
  }

  /**
   * The kind of socket the processes meet on.
   *
   * @return {@link ClusterTransport#TCP} unless set
   */
  public ClusterTransport transport() {
    return transport;
  }

  /**
   * Whether each client registers a {@link ClusterClientMXBean} with the platform MBean server.
   *
   * @return true (the default) when it does
   */
  public boolean jmx() {
    return jmx;
  }

  /**
   * Whether, over TCP, peers that cannot prove they know the owner's secret are let in.
   *
   * @return false (the default) when every peer must prove it
   */
  public boolean allowUnauthenticated() {
    return allowUnauthenticated;
  }

  /**
   * The run directory of the Unix-domain sockets, if set; when empty, the library uses {@code
   * $XDG_RUNTIME_DIR/cluster-client}, or where that is unset, {@code
   * <java.io.tmpdir>/cluster-client-<user>}.
   *
   * @return the directory if one was set
   */
  public Optional<java.nio.file.Path> runDir() {
    return Optional.ofNullable(runDir);
  }

  /**
   * The codec of application objects, or empty for the default plain-JSON codec.
   *
   * @return the codec if one was set
   */
  public Optional<ClusterCodec> codec() {
    return Optional.ofNullable(codec);
  }

  /**
   * The function from a registration to its subscription key, or empty for the default: the
   * compact JSON of the registration, as Node.js's {@code JSON.stringify} prints it.
   *
   * @return the function if one was set
   * @see Builder#formatKey(java.util.function.Function)
   */
  public Optional<java.util.function.Function<Object, String>> formatKey() {
    return Optional.ofNullable(formatKey);
  }

  /**
   * The executor that completes asynchronous results and runs listeners, or empty for the library's
   * shared worker threads.
   *
   * @return the executor if one was set
   */
  public Optional<Executor> callbackExecutor() {
    return Optional.ofNullable(callbackExecutor);
  }

  @Override
  public String toString() {
    return "ClusterOptions{name=" + name + ", port=" + port + ", leader=" + leader
        + ", singleMode=" + singleMode + ", maxWaitTime=" + maxWaitTime
        + ", connectTimeout=" + connectTimeout + ", responseTimeout=" + responseTimeout
        + ", heartbeatInterval=" + heartbeatInterval + ", checkHeartbeat=" + checkHeartbeat
        + ", broadcast=" + broadcast + ", subscribeTimeout=" + subscribeTimeout
        + ", maxFrameLength=" + maxFrameLength
        + ", maxRememberedPublishes=" + maxRememberedPublishes
        + ", handoverTimeout=" + handoverTimeout + ", closeOnShutdown=" + closeOnShutdown
        + ", codecOnLeader=" + codecOnLeader + ", transport=" + transport
        + ", allowUnauthenticated=" + allowUnauthenticated + ", jmx=" + jmx
        + (runDir == null ? "" : ", runDir=" + runDir) + "}";
  }

  private static Duration positive(String option, Duration set, Source s, Duration dflt) {
    return requirePositive(option, set != null ? set : s.duration(option, dflt), s);
  }

  private static Duration requirePositive(String option, Duration d, Source s) {
    if (d.isNegative() || d.isZero()) {
      throw new ClusterConfigurationException(s.origin(option, d) + ", which is not positive");
    }
    return d;
  }

  /**
   * Builds {@link ClusterOptions}. Not thread-safe; {@link #build()} copies, so a builder may be
   * reused.
   */
  public static final class Builder {
    private String name;
    private Integer port;
    private Boolean leader;
    private Boolean singleMode;
    private Duration maxWaitTime;
    private Duration connectTimeout;
    private Duration responseTimeout;
    private Duration heartbeatInterval;
    private Boolean checkHeartbeat;
    private Boolean broadcast;
    private Duration subscribeTimeout;
    private Integer maxFrameLength;
    private Integer maxRememberedPublishes;
    private Duration handoverTimeout;
    private Boolean closeOnShutdown;
    private Boolean codecOnLeader;
    private ClusterTransport transport;
    private Boolean allowUnauthenticated;
    private Boolean jmx;
    private java.nio.file.Path runDir;
    private ClusterCodec codec;
    private java.util.function.Function<Object, String> formatKey;
    private Executor callbackExecutor;

    /** Origins of the values copied by {@link ClusterOptions#toBuilder()}, until they are set again. */
    private final java.util.Map<String, String> inherited = new java.util.HashMap<>();

    private Builder() {}

    private boolean isSet(String option) {
      return switch (option) {
        case "name" -> name != null;
        case "port" -> port != null;
        case "leader" -> leader != null;
        case "singleMode" -> singleMode != null;
        case "maxWaitTime" -> maxWaitTime != null;
        case "connectTimeout" -> connectTimeout != null;
        case "responseTimeout" -> responseTimeout != null;
        case "heartbeatInterval" -> heartbeatInterval != null;
        case "checkHeartbeat" -> checkHeartbeat != null;
        case "broadcast" -> broadcast != null;
        case "subscribeTimeout" -> subscribeTimeout != null;
        case "maxFrameLength" -> maxFrameLength != null;
        case "maxRememberedPublishes" -> maxRememberedPublishes != null;
        case "handoverTimeout" -> handoverTimeout != null;
        case "closeOnShutdown" -> closeOnShutdown != null;
        case "codecOnLeader" -> codecOnLeader != null;
        case "transport" -> transport != null;
        case "allowUnauthenticated" -> allowUnauthenticated != null;
        case "jmx" -> jmx != null;
        case "runDir" -> runDir != null;
        case "codec" -> codec != null;
        case "formatKey" -> formatKey != null;
        case "callbackExecutor" -> callbackExecutor != null;
        default -> false;
      };
    }

    /**
     * Sets the channel name shared by every process of this client.
     *
     * @param name a non-empty name
     * @return this builder
     */
    public Builder name(String name) {
      if (Objects.requireNonNull(name, "name").isEmpty()) {
        throw new ClusterConfigurationException("name must not be empty");
      }
      this.name = name;

      inherited.remove("name");
      return this;
    }

    /**
     * Sets the election port on 127.0.0.1.
     *
     * @param port the port, 1..65535
     * @return this builder
     */
    public Builder port(int port) {
      this.port = port;

      inherited.remove("port");
      return this;
    }

    /**
     * Forces the role: true to lead (failing if the port is taken), false to only follow.
     *
     * @param leader true or false, or null to compete (the default)
     * @return this builder
     */
    public Builder leader(Boolean leader) {
      this.leader = leader;

      inherited.remove("leader");
      return this;
    }

    /**
     * Shares within this process only, without any port.
     *
     * @param singleMode true for single mode
     * @return this builder
     */
    public Builder singleMode(boolean singleMode) {
      this.singleMode = singleMode;

      inherited.remove("singleMode");
      return this;
    }

    /**
     * Sets how long {@code ready()} waits for a leader.
     *
     * @param maxWaitTime a positive duration
     * @return this builder
     */
    public Builder maxWaitTime(Duration maxWaitTime) {
      this.maxWaitTime = Objects.requireNonNull(maxWaitTime, "maxWaitTime");

      inherited.remove("maxWaitTime");
      return this;
    }

    /**
     * Sets the limit of one TCP connect to the leader.
     *
     * @param connectTimeout a positive duration
     * @return this builder
     */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");

      inherited.remove("connectTimeout");
      return this;
    }

    /**
     * Sets the limit of one call's round trip.
     *
     * @param responseTimeout a positive duration
     * @return this builder
     */
    public Builder responseTimeout(Duration responseTimeout) {
      this.responseTimeout = Objects.requireNonNull(responseTimeout, "responseTimeout");

      inherited.remove("responseTimeout");
      return this;
    }

    /**
     * Sets the idle time after which a follower sends a heartbeat.
     *
     * @param heartbeatInterval a positive duration
     * @return this builder
     */
    public Builder heartbeatInterval(Duration heartbeatInterval) {
      this.heartbeatInterval = Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");

      inherited.remove("heartbeatInterval");
      return this;
    }

    /**
     * Whether the leader closes followers silent for three heartbeat intervals. Turn off only while
     * debugging: a follower stopped at a breakpoint would otherwise be dropped.
     *
     * @param checkHeartbeat false to keep silent followers
     * @return this builder
     */
    public Builder checkHeartbeat(boolean checkHeartbeat) {
      this.checkHeartbeat = checkHeartbeat;

      inherited.remove("checkHeartbeat");
      return this;
    }

    /**
     * Whether each pushed value goes to every subscribed process (true, the default) or to one of
     * them in turn.
     *
     * @param broadcast false to deliver each value to one process
     * @return this builder
     */
    public Builder broadcast(boolean broadcast) {
      this.broadcast = broadcast;

      inherited.remove("broadcast");
      return this;
    }

    /**
     * Sets how long a subscription may wait for its first value before an error is reported.
     *
     * @param subscribeTimeout a positive duration, or zero for none
     * @return this builder
     */
    public Builder subscribeTimeout(Duration subscribeTimeout) {
      this.subscribeTimeout = Objects.requireNonNull(subscribeTimeout, "subscribeTimeout");

      inherited.remove("subscribeTimeout");
      return this;
    }

    /**
     * Sets the largest packet this process accepts, header included.
     *
     * @param maxFrameLength at least 1024 bytes
     * @return this builder
     */
    public Builder maxFrameLength(int maxFrameLength) {
      this.maxFrameLength = maxFrameLength;

      inherited.remove("maxFrameLength");
      return this;
    }

    /**
     * How many publishes a process remembers for replay; {@code clusterclient.maxRememberedPublishes}
     * / {@code CLUSTER_CLIENT_MAX_REMEMBERED_PUBLISHES}, 10,000 by default.
     *
     * @param maxRememberedPublishes at least 1
     * @return this builder
     */
    public Builder maxRememberedPublishes(int maxRememberedPublishes) {
      this.maxRememberedPublishes = maxRememberedPublishes;

      inherited.remove("maxRememberedPublishes");
      return this;
    }

    /**
     * Sets how long a closing leader lets its followers finish the calls they have in flight, while
     * one of them takes over; {@code clusterclient.handoverTimeout} / {@code
     * CLUSTER_CLIENT_HANDOVER_TIMEOUT}, 5 s by default.
     *
     * @param handoverTimeout zero or positive; zero closes at once, as a crash would
     * @return this builder
     */
    public Builder handoverTimeout(Duration handoverTimeout) {
      this.handoverTimeout = Objects.requireNonNull(handoverTimeout, "handoverTimeout");

      inherited.remove("handoverTimeout");
      return this;
    }

    /**
     * Whether a JVM shutdown hook closes the client (SIGTERM, {@code System.exit}), so that a leader
     * hands over to a follower; {@code clusterclient.closeOnShutdown} / {@code
     * CLUSTER_CLIENT_CLOSE_ON_SHUTDOWN}, false by default. SIGKILL runs no hook: followers then
     * elect a new leader as after any crash.
     *
     * @param closeOnShutdown true to close on shutdown
     * @return this builder
     */
    public Builder closeOnShutdown(boolean closeOnShutdown) {
      this.closeOnShutdown = closeOnShutdown;

      inherited.remove("closeOnShutdown");
      return this;
    }

    /**
     * Whether calls made in the leader's own process go through the codec as a follower's do;
     * {@code clusterclient.codecOnLeader} / {@code CLUSTER_CLIENT_CODEC_ON_LEADER}, true by default.
     * Then code behaves the same in every process: the leader's caller gets copies of arguments and
     * results, read back as their declared types, and the same exceptions a follower's caller gets
     * (an argument or result the codec cannot write fails on the leader too, with {@link
     * ClusterCodecException}; what the real client throws arrives as {@link
     * RemoteInvocationException}, or as itself when the method declares it). False skips the copies
     * on the leader, for speed, at the price of those differences.
     *
     * @param codecOnLeader false to call the real client with the caller's own objects
     * @return this builder
     */
    public Builder codecOnLeader(boolean codecOnLeader) {
      this.codecOnLeader = codecOnLeader;

      inherited.remove("codecOnLeader");
      return this;
    }

    /**
     * Sets the kind of socket the processes meet on; {@code clusterclient.transport} / {@code
     * CLUSTER_CLIENT_TRANSPORT} ({@code tcp} or {@code unix}), TCP by default. Every process of the
     * cluster must use the same.
     *
     * @param transport {@link ClusterTransport#UNIX} for an owner-only Unix-domain socket
     * @return this builder
     */
    public Builder transport(ClusterTransport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      inherited.remove("transport");
      return this;
    }

    /**
     * Whether each client registers a {@link ClusterClientMXBean} with the platform MBean server
     * (as {@code io.clusterclient:type=ClusterClient,runtime=...,name=...,port=...}); {@code
     * clusterclient.jmx} / {@code CLUSTER_CLIENT_JMX}, true by default.
     *
     * @param jmx false to register none
     * @return this builder
     */
    public Builder jmx(boolean jmx) {
      this.jmx = jmx;
      inherited.remove("jmx");
      return this;
    }

    /**
     * Whether, over TCP, to let in peers that cannot prove they know the owner's secret; {@code
     * clusterclient.allowUnauthenticated} / {@code CLUSTER_CLIENT_ALLOW_UNAUTHENTICATED}, false by
     * default. By default every Java process proves, when it connects, that it knows the secret in
     * its run directory (readable by its owner only), and a leader refuses any peer that does not,
     * while a follower refuses a leader that does not: so no process of another user can call the
     * real client. A Node.js peer cannot prove anything: to let one in (the original library's
     * behaviour, any local process can then use the client), set this to true on every process.
     * Unix sockets need no proof: the run directory's permissions keep others out.
     *
     * @param allowUnauthenticated true to let in any local process, Node.js peers included
     * @return this builder
     */
    public Builder allowUnauthenticated(boolean allowUnauthenticated) {
      this.allowUnauthenticated = allowUnauthenticated;
      inherited.remove("allowUnauthenticated");
      return this;
    }

    /**
     * Sets the run directory of the Unix-domain sockets; {@code clusterclient.runDir} / {@code
     * CLUSTER_CLIENT_RUN_DIR}. It is created owner-only (0700) if missing; one that another user
     * owns, or that others can write, is refused. Every process of the cluster must use the same.
     *
     * @param runDir the directory
     * @return this builder
     */
    public Builder runDir(java.nio.file.Path runDir) {
      this.runDir = Objects.requireNonNull(runDir, "runDir");
      inherited.remove("runDir");
      return this;
    }

    /**
     * Sets the codec of application objects. Every process of the cluster must use the same one.
     *
     * @param codec the codec
     * @return this builder
     */
    public Builder codec(ClusterCodec codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    /**
     * Sets how a registration ({@code reg}) becomes its subscription key, as the original's {@code
     * formatKey} option does: subscriptions, and remembered publishes, are told apart by key. The
     * function receives the registration as JSON values, whatever its Java type, so that every
     * process computes the same key from the same registration, the leader too from what it
     * received: a {@code Map<String, Object>} (members in order), a {@code List<Object>}, a {@code
     * String}, an {@code Integer}, {@code Long}, {@code BigInteger} or {@code Double}, a {@code
     * Boolean}, or null. The key on the wire is {@code "$$inner$$__"} followed by what it returns.
     * Every process of the cluster must use the same function (a Node.js peer, the same {@code
     * formatKey}). By default the key is the compact JSON of the registration, exactly as Node.js's
     * {@code JSON.stringify} prints it. It runs on the subscriber's or publisher's thread, and on
     * the leader's I/O thread for registrations that come from followers: keep it fast, and
     * thread-safe.
     *
     * @param formatKey returns the key of a registration; never null, and for equal registrations
     *     equal keys
     * @return this builder
     */
    public Builder formatKey(java.util.function.Function<Object, String> formatKey) {
      this.formatKey = Objects.requireNonNull(formatKey, "formatKey");
      return this;
    }

    /**
     * Sets the executor that completes asynchronous results and runs listeners.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Builds the options, reading unset values from system properties and the environment.
     *
     * @return immutable options
     * @throws ClusterConfigurationException when a value is out of range or does not parse
     */
    public ClusterOptions build() {
      return new ClusterOptions(this, System::getProperty, System::getenv);
    }

    // Visible for tests: the lookups of system properties and environment variables.
    ClusterOptions build(UnaryOperator<String> properties, UnaryOperator<String> env) {
      return new ClusterOptions(this, properties, env);
    }
  }

  /** Reads option values from system properties, then environment variables. */
  private static final class Source {
    private final UnaryOperator<String> properties;
    private final UnaryOperator<String> env;

    Source(UnaryOperator<String> properties, UnaryOperator<String> env) {
      this.properties = properties;
      this.env = env;
    }

    private final java.util.Map<String, String> origins = new java.util.HashMap<>();
    /** Option to "system property ..." or "environment variable ...", for those read from there. */
    private final java.util.Map<String, String> sources = new java.util.HashMap<>();

    private String raw(String option, String[] where) {
      String property = "clusterclient." + option;
      String value = properties.apply(property);
      if (value != null && !value.isBlank()) {
        where[0] = "system property " + property;
        sources.put(option, where[0]);
        origins.put(option, where[0] + " is '" + value.trim() + "'");
        return value.trim();
      }
      for (String variable : new String[] {envName(option), NODE_ENV_NAMES.get(option)}) {
        value = variable == null ? null : env.apply(variable);
        if (value != null && !value.isBlank()) {
          where[0] = "environment variable " + variable;
          sources.put(option, where[0]);
          origins.put(option, where[0] + " is '" + value.trim() + "'");
          return value.trim();
        }
      }
      return null;
    }

    /** Where a value came from, for messages: the variable and its text, or the option. */
    String origin(String option, Object value) {
      return origins.getOrDefault(option, option + " is " + value);
    }

    String string(String option, String dflt) {
      String v = raw(option, new String[1]);
      return v != null ? v : dflt;
    }

    Integer integer(String option, Integer dflt) {
      String[] where = new String[1];
      String v = raw(option, where);
      if (v == null) {
        return dflt;
      }
      int parsed;
      try {
        parsed = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw invalid(where[0], v, "a whole number");
      }
      if (parsed == 0 && where[0].endsWith(NODE_ENV_NAMES.getOrDefault(option, "\0"))) {
        throw new ClusterConfigurationException(
            where[0] + " is '0', which Node.js cluster-client reads as its default port 7777; set the"
                + " port itself (or unset it for 7777)");
      }
      return parsed;
    }

    Boolean bool(String option, Boolean dflt) {
      String[] where = new String[1];
      String v = raw(option, where);
      if (v == null) {
        return dflt;
      }
      if (where[0].endsWith(NODE_ENV_NAMES.getOrDefault(option, "\0"))) {
        // Node.js reads only "1" as true, anything else as false: accept what both read alike.
        return switch (v) {
          case "1" -> Boolean.TRUE;
          case "0" -> Boolean.FALSE;
          default -> throw new ClusterConfigurationException(
              where[0] + " is '" + v + "': Node.js cluster-client reads only 1 as true and anything"
                  + " else as false, so Java and Node.js processes would disagree; set it to 1 or 0"
                  + " (or set " + envName(option) + ", which Java processes read first)");
        };
      }
      switch (v.toLowerCase(Locale.ROOT)) {
        case "true":
        case "1":
        case "yes":
          return Boolean.TRUE;
        case "false":
        case "0":
        case "no":
          return Boolean.FALSE;
        default:
          throw invalid(where[0], v, "true or false");
      }
    }

    ClusterTransport transport(String option, ClusterTransport dflt) {
      String[] where = new String[1];
      String v = raw(option, where);
      if (v == null) {
        return dflt;
      }
      try {
        return ClusterTransport.valueOf(v.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw invalid(where[0], v, "tcp or unix");
      }
    }

    Duration duration(String option, Duration dflt) {
      String[] where = new String[1];
      String v = raw(option, where);
      if (v == null) {
        return dflt;
      }
      try {
        return v.startsWith("P") || v.startsWith("p")
            ? Duration.parse(v)
            : Duration.ofMillis(Long.parseLong(v));
      } catch (NumberFormatException | DateTimeParseException e) {
        throw invalid(where[0], v, "milliseconds (3000) or an ISO-8601 duration (PT3S)");
      }
    }

    private static ClusterConfigurationException invalid(String where, String value, String want) {
      return new ClusterConfigurationException(
          where + " is '" + value + "', which is not " + want + ": fix or unset it");
    }
  }

  /** The environment variables of Node.js cluster-client, read after the Java ones. */
  private static final java.util.Map<String, String> NODE_ENV_NAMES =
      java.util.Map.of("port", "NODE_CLUSTER_CLIENT_PORT", "singleMode", "NODE_CLUSTER_CLIENT_SINGLE_MODE");

  static String envName(String option) {
    StringBuilder sb = new StringBuilder("CLUSTER_CLIENT_");
    for (char c : option.toCharArray()) {
      if (Character.isUpperCase(c)) {
        sb.append('_');
      }
      sb.append(Character.toUpperCase(c));
    }
    return sb.toString();
  }
}
