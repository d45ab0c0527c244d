package io.clusterclient.internal.leader;

import io.clusterclient.internal.SerialExecutor;
import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.Packet;
import io.clusterclient.internal.security.Handshake;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One follower's connection to this leader. Its first {@code register_channel} binds it to a {@link
 * LeaderChannel}; every later packet goes there. Runs on the connection's I/O thread; never blocks.
 */
final class ServerConnection extends SimpleChannelInboundHandler<Packet>
    implements io.clusterclient.internal.protocol.TrafficSink {
  private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);
  private static final long REGISTER_DEADLINE_SECONDS = 60;
  private static final int MAX_QUEUED_CALLS = 1024;

  private final LeaderServer server;
  private final long idleMillis;
  private final long maxPendingBytes;
  private volatile Channel channel;
  private volatile LeaderChannel leader;
  private volatile SerialExecutor oneways;
  private volatile LeaderServer.Parked parked;
  private volatile boolean binary;
  private final java.util.concurrent.atomic.AtomicInteger queuedCalls =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong queuedBytes =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicBoolean dropped =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicBoolean ignoredPacket =
      new java.util.concurrent.atomic.AtomicBoolean();
  /** Calls read whose answer is not written yet; counted for Node.js followers only (see handOver). */
  private final java.util.concurrent.atomic.AtomicInteger unanswered =
      new java.util.concurrent.atomic.AtomicInteger();
  /** Its leader hands over: the connection stays open until the follower leaves, or is idle. */
  private volatile boolean draining;
  private final java.time.Instant connectedSince = java.time.Instant.now();
  private volatile long lastHeardMillis = System.currentTimeMillis();
  private volatile long pid = -1;
  // The proof of the owner's secret (TCP): event loop only.
  private boolean authenticated;
  private String followerNonce;
  private String leaderNonce;
  /** A register_channel waiting for the follower's proof: its connection object, id and timeout. */
  private ConnObject heldRegister;
  private long heldId;
  private int heldTimeout;

  ServerConnection(LeaderServer server, long idleMillis, long maxPendingBytes) {
    this.server = server;
    this.idleMillis = idleMillis;
    this.maxPendingBytes = maxPendingBytes;
  }

  Channel channel() {
    return channel;
  }

  /** Where this connection is counted: its channel's session once registered, else the server's. */
  private io.clusterclient.internal.session.Traffic traffic() {
    LeaderChannel bound = leader;
    return bound != null ? bound.traffic() : server.traffic();
  }

  @Override
  public void bytesIn(int bytes) {
    traffic().bytesIn(bytes);
  }

  @Override
  public void bytesOut(int bytes) {
    traffic().bytesOut(bytes);
  }

  boolean isActive() {
    Channel ch = channel;
    return ch != null && ch.isActive();
  }

  void bind(LeaderChannel leader, Executor worker) {
    this.oneways = new SerialExecutor(worker);
    this.leader = leader;
  }

  /** Runs this follower's oneway calls one after another, in the order they were sent. */
  Executor oneways() {
    return oneways;
  }

  ChannelFuture write(Packet packet) {
    Channel ch = channel;
    if (!ch.isWritable()) {
      // Past the high watermark the follower is not reading. Allow it one more large frame, then
      // drop it, so that a stuck or hostile follower cannot make the leader buffer without bound.
      ChannelOutboundBuffer buffer = ch.unsafe().outboundBuffer();
      long pending = buffer == null ? 0 : buffer.totalPendingWriteBytes();
      if (pending > maxPendingBytes) {
        packet.release();
        drop("slow consumer: " + pending + " bytes written to it are still unread (limit "
            + maxPendingBytes + ")");
        return ch.newFailedFuture(new java.io.IOException("slow consumer dropped"));
      }
    }
    return ch.writeAndFlush(packet);
  }

  /**
   * Records this connection's parked registration, returning the one it replaces.
   *
   * @param p the new one, or null
   * @return the previous one, or null
   */
  LeaderServer.Parked parked(LeaderServer.Parked p) {
    LeaderServer.Parked previous = parked;
    parked = p;
    return previous;
  }

  /**
   * Counts a call queued for the real client. Past the limits, stops reading from this follower until
   * the queue drains: a peer cannot make the leader queue work without bound.
   *
   * @param bytes the size of the call's arguments
   */
  void workQueued(int bytes) {
    int n = queuedCalls.incrementAndGet();
    long b = queuedBytes.addAndGet(bytes);
    if (n > MAX_QUEUED_CALLS || b > maxPendingBytes) {
      channel.config().setAutoRead(false);
    }
  }

  /**
   * Counts a queued call done.
   *
   * @param bytes the size given to {@link #workQueued(int)}
   */
  void workDone(int bytes) {
    int n = queuedCalls.decrementAndGet();
    long b = queuedBytes.addAndGet(-bytes);
    Channel ch = channel;
    if (!ch.config().isAutoRead() && n <= MAX_QUEUED_CALLS / 2 && b <= maxPendingBytes / 2) {
      ch.config().setAutoRead(true);
    }
    if (draining) {
      closeIfIdle();
    }
  }

  /**
   * Counts a call that expects an answer: the follower's calls in flight, and for a Node.js
   * follower of a leader that hands over, when its connection may close.
   */
  void callRead() {
    unanswered.incrementAndGet();
  }

  /** Counts an answer written (or given up). */
  void callAnswered() {
    if (unanswered.decrementAndGet() == 0 && !binary && draining) {
      closeIfIdle();
    }
  }

  /** Marks the connection as one that outlives the port while its leader hands over. */
  void drain() {
    draining = true;
  }

  /** @return whether its leader hands over and this connection is let to finish */
  boolean isDraining() {
    return draining;
  }

  /**
   * Tells the follower its leader hands over. A Java follower elects again and closes the
   * connection once its calls are answered; a Node.js follower, which knows no such message, is
   * closed as soon as it has no call in flight here.
   */
  void handOver() {
    draining = true;
    if (binary) {
      write(Packet.response(0, 0, ConnObject.of(ConnObject.HANDOVER), Unpooled.EMPTY_BUFFER));
    } else {
      closeIfIdle();
    }
  }

  private void closeIfIdle() {
    Channel ch = channel;
    if (!binary && unanswered.get() == 0 && queuedCalls.get() == 0 && ch != null) {
      ch.eventLoop().execute(ch::close); // behind the answers already written
    }
  }

  /** @return whether this follower offered raw byte[] values when it registered (a Java follower) */
  boolean binary() {
    return binary;
  }

  /** Tells a follower whose registration must wait that a live leader holds the port (Java-only). */
  void acknowledge() {
    write(Packet.response(0, 0, ConnObject.of(ConnObject.REGISTER_CHANNEL_ACK), Unpooled.EMPTY_BUFFER));
  }

  /**
   * Over TCP, greets a new connection with this leader's nonce, so that a Java follower can send its
   * proof of the owner's secret with its first register_channel: one round trip instead of two.
   */
  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (server.handshake() != null) {
      leaderNonce = Handshake.nonce();
      write(Packet.response(0, 0, ConnObject.of(ConnObject.AUTH_CHALLENGE), Handshake.app("nonce", leaderNonce)));
    }
    super.channelActive(ctx);
  }

  /**
   * Authenticates a register_channel over TCP. A follower that answered the greeting brings its proof:
   * checked, this leader proves itself in turn and the registration goes on. One that offers only a
   * nonce (it did not wait for the greeting) is challenged and held until its proof comes. One that
   * offers neither (a Node.js peer, or a process that does not know the owner's secret) is refused.
   *
   * @return whether the registration may go on now
   */
  private boolean authenticate(Handshake handshake, Packet packet, java.util.Map<?, ?> offered) {
    Object nonce = offered.get("nonce");
    if (!Handshake.isNonce(nonce)) {
      refuse(packet.id(), packet.timeout(),
          "it offered no proof that it knows the owner's secret (" + handshake.secretFile() + "):"
              + " a Node.js peer, a process with allowUnauthenticated(true), or a process of"
              + " another user; to let Node.js peers in, set allowUnauthenticated(true) on every"
              + " process");
      return false;
    }
    followerNonce = (String) nonce;
    if (leaderNonce == null) {
      leaderNonce = Handshake.nonce(); // not greeted (cannot happen: channelActive comes first)
    }
    String channelName = packet.conn().channelName();
    Object proof = offered.get("proof");
    if (proof != null) {
      if (!Handshake.matches(handshake.followerProof(server.port(), channelName, leaderNonce, followerNonce), proof)) {
        refuse(packet.id(), packet.timeout(), wrongProof(handshake));
        return false;
      }
      authenticated = true;
      proveLeader(handshake, channelName); // before the answer, which the follower accepts only after it
      return true;
    }
    heldRegister = packet.conn();
    heldId = packet.id();
    heldTimeout = packet.timeout();
    proveLeader(handshake, channelName);
    return false;
  }

  private void proveLeader(Handshake handshake, String channelName) {
    write(Packet.response(0, 0, ConnObject.of(ConnObject.AUTH_CHALLENGE),
        Handshake.app("nonce", leaderNonce, "proof",
            handshake.leaderProof(server.port(), channelName, followerNonce, leaderNonce))));
  }

  private static String wrongProof(Handshake handshake) {
    return "its proof is wrong: it knows another secret than " + handshake.secretFile()
        + " (a process of another user, or one with another runDir)";
  }

  /** The proof of a follower that was challenged: its held registration goes on if it is right. */
  private void checkProof(Handshake handshake, Packet packet) {
    Object proof = Handshake.appObject(packet.app()).get("proof");
    if (heldRegister == null
        || !Handshake.matches(
            handshake.followerProof(server.port(), heldRegister.channelName(), leaderNonce, followerNonce), proof)) {
      refuse(heldRegister == null ? packet.id() : heldId, heldRegister == null ? 0 : heldTimeout,
          wrongProof(handshake));
      return;
    }
    authenticated = true;
    ConnObject held = heldRegister;
    heldRegister = null;
    server.route(this, held, heldId, heldTimeout);
  }

  /** Answers a registration with an error that a Java follower turns into ClusterSecurityException. */
  private void refuse(long id, int timeout, String why) {
    if (dropped.getAndSet(true)) {
      return;
    }
    Channel ch = channel;
    traffic().followerDropped();
    LOG.warn("refused connection from {}: {}", ch == null ? "?" : ch.remoteAddress(), why);
    if (ch == null) {
      return;
    }
    java.util.Map<String, Object> error = new java.util.LinkedHashMap<>();
    error.put("name", io.clusterclient.ClusterSecurityException.class.getName());
    error.put("message", "the leader refused this process: " + why);
    error.put("javaTypes", java.util.List.of(io.clusterclient.ClusterSecurityException.class.getName()));
    java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("success", false);
    body.put("error", error);
    ch.writeAndFlush(Packet.response(id, timeout, ConnObject.registerChannelRes(), Handshake.app(body)))
        .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
  }

  /** Closes the connection, saying why in the log: the peer broke the protocol or overstayed. */
  void drop(String reason) {
    if (dropped.getAndSet(true)) {
      return;
    }
    Channel ch = channel;
    traffic().followerDropped();
    LOG.warn("closing connection from {}: {}", ch == null ? "?" : ch.remoteAddress(), reason);
    if (ch != null) {
      ch.close();
    }
  }

  /** What its leader knows of this follower, for {@code ClusterHandle.followers()}. */
  io.clusterclient.FollowerInfo info(int subscriptions) {
    Channel ch = channel;
    return new io.clusterclient.FollowerInfo(
        pid,
        ch == null ? "?" : String.valueOf(ch.remoteAddress()),
        connectedSince,
        Math.max(0, unanswered.get()),
        subscriptions,
        java.time.Instant.ofEpochMilli(lastHeardMillis));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.channel = ctx.channel();
    // A connection that never registers would hold a socket forever.
    ctx.executor().schedule(
        () -> {
          if (leader == null && ctx.channel().isActive()) {
            drop("no successful register_channel within " + REGISTER_DEADLINE_SECONDS + " s");
          }
        },
        REGISTER_DEADLINE_SECONDS,
        java.util.concurrent.TimeUnit.SECONDS);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Packet packet) {
    lastHeardMillis = System.currentTimeMillis();
    LeaderChannel bound = leader;
    String type = packet.conn().type();
    // A status request (Java-only) is proven and routed as a registration is; it binds nothing.
    if ((ConnObject.REGISTER_CHANNEL.equals(type) || ConnObject.STATUS.equals(type)) && !packet.isResponse()) {
      binary = Boolean.TRUE.equals(packet.conn().binary());
      java.util.Map<?, ?> offered = Handshake.appObject(packet.app());
      if (offered.get("pid") instanceof Number n) {
        pid = n.longValue(); // Java-only: who this follower is, for followers()
      }
      String channelName = packet.conn().channelName();
      if (channelName == null || channelName.isEmpty() || channelName.length() > LeaderServer.MAX_NAME_LENGTH) {
        drop(type + " without a channelName of 1 to " + LeaderServer.MAX_NAME_LENGTH + " characters");
        return;
      }
      if (bound != null && !bound.name().equals(channelName)) {
        drop("register_channel for '" + channelName + "' on a connection of '"
            + bound.name() + "'");
        return;
      }
      Handshake handshake = server.handshake();
      if (handshake != null && !authenticated && !authenticate(handshake, packet, offered)) {
        return;
      }
      server.route(this, packet);
      return;
    }
    if (ConnObject.AUTH_PROOF.equals(type) && !packet.isResponse() && bound == null) {
      Handshake handshake = server.handshake();
      if (handshake != null && !authenticated) {
        checkProof(handshake, packet);
      }
      return;
    }
    if (bound == null) {
      // The original ignores anything before registration as well.
      LOG.debug("ignoring {} from {} before register_channel", type, ctx.channel().remoteAddress());
      return;
    }
    packet.retain(); // the channel takes over the packet; SimpleChannelInboundHandler releases ours
    bound.onPacket(this, packet);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent && ((IdleStateEvent) evt).state() == IdleState.READER_IDLE) {
      drop("follower silent for " + idleMillis + " ms (3 x heartbeatInterval) on leader side; "
          + "set checkHeartbeat(false) while debugging a follower");
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    LeaderServer.Parked waiting = parked(null);
    if (waiting != null) {
      server.forget(waiting);
    }
    LeaderChannel bound = leader;
    if (bound != null) {
      bound.disconnected(this);
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException) {
      // The peer went away (a reset: it was killed, say): its leaving is no drop, and no warning.
      LOG.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
      return;
    }
    drop(cause.getMessage() == null ? cause.toString() : cause.getMessage());
  }

  /**
   * Whether this is the first packet of this connection that its channel ignores: the first is
   * logged as a warning, the others at debug, so that a peer cannot flood the leader's log.
   *
   * @return true once per connection
   */
  boolean firstIgnoredPacket() {
    return !ignoredPacket.getAndSet(true);
  }

  @Override
  public String toString() {
    Channel ch = channel;
    return "follower " + (ch == null ? "?" : ch.remoteAddress());
  }
}
