package io.clusterclient.internal.follower;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.ClusterException;
import io.clusterclient.MessageTooLargeException;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.LeaderLostException;
import io.clusterclient.ProtocolException;
import io.clusterclient.Role;
import io.clusterclient.internal.CallbackFuture;
import io.clusterclient.internal.codec.RemoteErrors;
import io.clusterclient.internal.codec.Values;
import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.FrameLimit;
import io.clusterclient.internal.protocol.InvokeArgs;
import io.clusterclient.internal.protocol.Packet;
import io.clusterclient.internal.security.Handshake;
import io.clusterclient.internal.protocol.PacketPipeline;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.session.Backend;
import io.clusterclient.LeaderUnresponsiveException;
import io.clusterclient.internal.session.BackendEvents;
import io.clusterclient.internal.session.Elector.NoLeaderException;
import io.clusterclient.internal.session.NotSentException;
import io.clusterclient.internal.session.Published;
import io.clusterclient.internal.session.SessionContext;
import io.clusterclient.internal.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's connection to its leader: sends calls, matches answers by request id, enforces the
 * response timeout, sends heartbeats when idle, and tells the session when the leader is gone.
 * Thread-safe; the I/O thread only completes futures, it never decodes results or runs user code.
 */
public final class FollowerConnection extends SimpleChannelInboundHandler<Packet> implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(FollowerConnection.class);
  /** The original wraps request ids at 2^30 so that they stay exact in JavaScript numbers. */
  private static final long MAX_ID = 1L << 30;
  /** How long a TCP follower waits for the leader's greeting before it registers without a proof. */
  private static final long GREETING_WAIT_MILLIS = 500;

  private final SessionContext session;
  private final BackendEvents events;
  private final ClusterOptions options;
  private final ClusterCodec codec;
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final Map<MethodInfo, ConnObject> invokeConns = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  /** When the next sweep for expired calls runs ({@code System.nanoTime()}); MAX_VALUE: none. */
  private final AtomicLong nextSweep = new AtomicLong(Long.MAX_VALUE);
  private final int timeoutMillis;
  /** Calls that wait for the connection to drain, oldest first; touched on the event loop and by senders. */
  private final java.util.Queue<WaitingWrite> waitingWrites =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final AtomicLong waitingBytes = new AtomicLong();
  private final long maxWaitingBytes;
  private volatile Channel channel;
  private volatile boolean registered;
  private volatile boolean answered;
  private volatile boolean binary;
  private volatile boolean heartbeatOutstanding;
  private volatile boolean closedByUser;
  /** The session was told this connection is lost: a close() after that is its answer, not the user's. */
  private volatile boolean lostReported;
  /** The leader is handing over: nothing new is sent; closes once what was sent is answered. */
  private volatile boolean retired;
  /** Senders between their check of {@link #retired} and their write: a retired close waits for them. */
  private final java.util.concurrent.atomic.AtomicInteger sending =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile Throwable closeCause;
  private static final long PID = ProcessHandle.current().pid();
  private volatile long leaderPid = -1;
  private volatile long leaderSince = -1;

  /** Over TCP, the proof of the owner's secret; null where none is asked for. */
  private final Handshake handshake;
  /** This process's nonce for the handshake: one per connection, kept across register retries. */
  private final String nonce;
  /** Whether the leader proved that it knows the secret (event loop only). */
  private boolean leaderProven;
  /** The nonce the leader greeted this connection with, which this process's proof covers; or null. */
  private String greetedNonce;
  /** The registration that waits for the leader's greeting before it is sent (event loop only). */
  private CompletableFuture<Backend> awaitingGreeting;
  /** The registration under way, failed by a leader that cannot prove itself. */
  private volatile CompletableFuture<Backend> registering;
  private volatile String leader;
  private long silentDeadline;
  private long greetingDeadline;

  private FollowerConnection(SessionContext session, BackendEvents events) {
    this.session = session;
    this.events = events;
    this.options = session.options();
    this.codec = session.codec();
    this.handshake = session.handshake();
    this.nonce = handshake == null ? null : Handshake.nonce();
    this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, options.responseTimeout().toMillis());
    this.maxWaitingBytes = options.maxFrameLength() + (8L << 20);
    this.leader = "leader on " + endpoint();
  }

  /**
   * Connects to whoever holds the port and registers this process on the session's channel. Never
   * blocks: the connection runs on the session's event loop, and so does everything here.
   *
   * @param session the session
   * @param events where the connection reports once registered
   * @param deadlineNanos when to give up waiting for an answer ({@code System.nanoTime()} based)
   * @return completes with the registered connection; fails with {@link NoLeaderException} when
   *     nobody holds the port or the holder closed the connection, with {@link
   *     LeaderUnresponsiveException} when the holder says nothing, and with a {@link
   *     ClusterException} when it answers with an error or not in this protocol
   */
  public static CompletableFuture<Backend> connect(
      SessionContext session, BackendEvents events, long deadlineNanos) {
    FollowerConnection f = new FollowerConnection(session, events);
    Transport transport = session.transport();
    ClusterOptions options = session.options();
    long heartbeat = options.heartbeatInterval().toMillis();
    Bootstrap bootstrap =
        new Bootstrap()
            .group(session.eventLoop())
            .channel(transport.channelType())
            .option(ChannelOption.ALLOCATOR, io.netty.buffer.PooledByteBufAllocator.DEFAULT)
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 8 << 20))
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    transport.openChannels().add(ch);
                    PacketPipeline.addCodec(ch.pipeline(), options.maxFrameLength(), session.traffic())
                        .addLast("idle", new IdleStateHandler(heartbeat, 0, 0, TimeUnit.MILLISECONDS))
                        .addLast("follower", f);
                  }
                });
    transport.configure(bootstrap);
    CompletableFuture<Backend> out = new CompletableFuture<>();
    out.whenComplete(
        (b, e) -> {
          if (out.isCancelled()) {
            f.close(); // the session closed while this attempt was under way
          }
        });
    ChannelFuture connect;
    try {
      connect = bootstrap.connect(transport.address(session.port()));
    } catch (RuntimeException e) {
      out.completeExceptionally(new NoLeaderException("cannot connect: " + e, e));
      return out;
    }
    connect.addListener(
        c -> {
          if (!c.isSuccess()) {
            connect.channel().close();
            out.completeExceptionally(
                new NoLeaderException(
                    "cannot connect to " + f.endpoint() + ": "
                        + (c.cause() == null ? "timed out" : c.cause().getMessage()),
                    c.cause()));
            return;
          }
          f.channel = connect.channel();
          if (out.isDone()) {
            f.close();
            return;
          }
          f.silentDeadline = System.nanoTime() + options.connectTimeout().toNanos();
          if (f.handshake == null) {
            f.register(out, deadlineNanos);
          } else {
            f.awaitGreeting(out, deadlineNanos);
          }
        });
    return out;
  }

  /**
   * Over TCP, waits for the leader's greeting, whose nonce lets this process send its proof with the
   * registration. A holder that does not greet (a Node.js leader, one with allowUnauthenticated, or a
   * leader too busy to greet soon) gets the registration without a proof after a short wait: it then
   * challenges this process, or answers in a way that {@link #onRegistered} refuses with the reason.
   */
  private void awaitGreeting(CompletableFuture<Backend> out, long deadlineNanos) {
    awaitingGreeting = out;
    channel.eventLoop().schedule(
        () -> {
          if (awaitingGreeting == out) {
            awaitingGreeting = null;
            register(out, deadlineNanos);
          }
        },
        Math.min(GREETING_WAIT_MILLIS, options.connectTimeout().toMillis()),
        TimeUnit.MILLISECONDS);
    greetingDeadline = deadlineNanos;
  }

  /** Sends register_channel, again after each unanswered try, until answered or past a deadline. */
  private void register(CompletableFuture<Backend> out, long deadlineNanos) {
    long now = System.nanoTime();
    // Until the holder says anything in this protocol, connectTimeout bounds the wait; a Java
    // leader acknowledges at once, even while its real client is still being created.
    long limit = answered ? deadlineNanos : Math.min(deadlineNanos, silentDeadline);
    long left = limit - now;
    if (left <= 0) {
      if (!answered) {
        fail(out, new LeaderUnresponsiveException(
            endpoint() + " accepted the connection but answered nothing in the "
                + "cluster-client protocol within connectTimeout " + options.connectTimeout().toMillis()
                + " ms: a leader that is stopped or hung holds the port (the cluster recovers when it "
                + "resumes or dies), or another program does (then choose another port "
                + howToChangePort(options) + ")"));
      } else {
        fail(out, new NoLeaderException(
            endpoint() + " answers but does not lead '" + session.name()
                + "': every process sharing a port should create the same client names", null));
      }
      return;
    }
    int wait = (int) Math.max(1, Math.min(timeoutMillis, TimeUnit.NANOSECONDS.toMillis(left)));
    registering = out;
    Map<String, Object> offered = new java.util.LinkedHashMap<>();
    offered.put("pid", PID); // Java-only, ignored by Node.js leaders: for the leader's followers()
    if (handshake != null) {
      offered.put("nonce", nonce);
      if (greetedNonce != null) {
        offered.put("proof", handshake.followerProof(session.port(), session.name(), greetedNonce, nonce));
      }
    }
    ByteBuf offer = Handshake.app(offered);
    send(ConnObject.registerChannelBinary(session.name()), offer, wait, null)
        .whenComplete(
            (p, e) -> {
              if (e != null) {
                onRegisterFailed(out, deadlineNanos, e);
              } else {
                onRegistered(out, p);
              }
            });
  }

  /**
   * The leader proves that it knows the owner's secret; this process answers with its own proof,
   * or gives up on a holder of the port that is not one of the owner's processes.
   */
  private void onChallenge(Packet packet) {
    Map<?, ?> challenge = Handshake.appObject(packet.app());
    Object leaderNonce = challenge.get("nonce");
    Object proof = challenge.get("proof");
    if (proof == null) {
      CompletableFuture<Backend> out = awaitingGreeting;
      if (out != null && Handshake.isNonce(leaderNonce)) {
        // The greeting: register now, with this process's proof.
        awaitingGreeting = null;
        greetedNonce = (String) leaderNonce;
        register(out, greetingDeadline);
      }
      return; // a greeting after the registration went without a proof: the challenge follows
    }
    if (!Handshake.isNonce(leaderNonce)
        || !Handshake.matches(handshake.leaderProof(session.port(), session.name(), nonce, (String) leaderNonce), proof)) {
      CompletableFuture<Backend> out = registering;
      if (out != null) {
        fail(out, new io.clusterclient.ClusterSecurityException(
            "the process holding " + endpoint() + " could not prove that it knows the owner's secret ("
                + handshake.secretFile() + "): it is not one of this owner's processes (another"
                + " user's, or one with another runDir); no call was sent to it"));
      }
      return;
    }
    leaderProven = true;
    if (greetedNonce != null) {
      return; // this process's proof went with the registration
    }
    channel.writeAndFlush(
        Packet.request(nextId(), timeoutMillis, ConnObject.of(ConnObject.AUTH_PROOF),
            Handshake.app("proof", handshake.followerProof(session.port(), session.name(), (String) leaderNonce, nonce))));
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }

  /** Where the leader listens, for messages: {@code 127.0.0.1:7777}, or a socket's path. */
  private String endpoint() {
    return session.transport().describe(session.port());
  }

  /** Where the port was set, so that the advice names what the user can change. */
  static String howToChangePort(ClusterOptions options) {
    String origin = options.originOf("port");
    return switch (origin) {
      case "code" -> "where the application sets it (ClusterOptions.Builder.port, or the"
          + " configuration it reads the port from; the environment cannot override it there)";
      case "default" -> "with ClusterOptions.Builder.port, -Dclusterclient.port or CLUSTER_CLIENT_PORT";
      default -> "in the " + origin + " that set it";
    };
  }

  private void onRegisterFailed(CompletableFuture<Backend> out, long deadlineNanos, Throwable e) {
    if (e instanceof ClusterTimeoutException) {
      register(out, deadlineNanos); // like the original, ask again: the leader may still be starting
      return;
    }
    Throwable closed = closeCause;
    if (closed instanceof io.netty.handler.codec.DecoderException) {
      fail(out, new ClusterException(
          endpoint() + " is held by something that does not speak the "
              + "cluster-client protocol (" + closed.getMessage() + "); another program uses the "
              + "port: choose another one " + howToChangePort(options),
          closed));
      return;
    }
    fail(out, new NoLeaderException(
        "the holder of " + endpoint() + " closed the connection", e));
  }

  private void onRegistered(CompletableFuture<Backend> out, Packet p) {
    try {
      Object body = decode(p.app(), Map.class, false);
      Map<?, ?> res = body instanceof Map ? (Map<?, ?>) body : Map.of();
      if (!Boolean.TRUE.equals(res.get("success")) && res.get("error") instanceof Map<?, ?> error
          && io.clusterclient.ClusterSecurityException.class.getName().equals(error.get("name"))) {
        fail(out, new io.clusterclient.ClusterSecurityException(
            "the process holding " + endpoint() + " refused this process" + (handshake == null
                ? ": this process has allowUnauthenticated(true) and offered no proof, which the"
                    + " leader asks for; give every process the same allowUnauthenticated"
                : ": it did not accept this process's proof of the secret " + handshake.secretFile()
                    + " (another user's leader, or one with another runDir: run every process as"
                    + " the same user with the same runDir)")
                + "; it said: " + truncate(String.valueOf(error.get("message")), 300)));
        return;
      }
      if (!Boolean.TRUE.equals(res.get("success"))) {
        Throwable remote = RemoteErrors.decode(res.get("error"), null, "creating the real client");
        fail(out, new ClusterException(
            "the leader of '" + session.name() + "' on " + endpoint()
                + " could not create its real client: " + remote.getMessage(),
            remote));
        return;
      }
      if (handshake != null && !leaderProven) {
        fail(out, new io.clusterclient.ClusterSecurityException(
            "the process holding " + endpoint() + " accepted this process without proving that it"
                + " knows the owner's secret (" + handshake.secretFile() + "): a Node.js leader, a"
                + " Java leader with allowUnauthenticated(true), or a process of another user;"
                + " no call was sent to it. To let Node.js peers in, set allowUnauthenticated(true)"
                + " on every process"));
        return;
      }
      binary = Boolean.TRUE.equals(res.get("binary")); // a Java leader: raw byte[] both ways
      Object pid = res.get("pid");
      leader = "leader " + (pid == null ? "" : "pid " + pid + " ") + "on " + endpoint();
      leaderPid = pid instanceof Number n ? n.longValue() : -1;
      leaderSince = res.get("since") instanceof Number n ? n.longValue() : -1;
    } catch (RuntimeException e) {
      fail(out, e);
      return;
    } finally {
      p.release();
    }
    registered = true;
    if (!out.complete(this)) {
      close();
    } else if (!channel.isActive()) {
      connectionLost(closeCause); // closed as it registered: its session hears it as lost
    }
  }

  private void fail(CompletableFuture<Backend> out, Throwable error) {
    closedByUser = true;
    channel.close();
    out.completeExceptionally(error);
  }

  @Override
  public Role role() {
    return Role.FOLLOWER;
  }

  @Override
  public java.util.Optional<io.clusterclient.LeaderInfo> leaderInfo() {
    long since = leaderSince;
    return java.util.Optional.of(new io.clusterclient.LeaderInfo(
        leaderPid, endpoint(), false, since < 0 ? null : java.time.Instant.ofEpochMilli(since), since));
  }

  @Override
  public String describe() {
    return leader;
  }

  // ---- calls ----

  private long nextId() {
    return ids.updateAndGet(i -> i >= MAX_ID ? 1 : i + 1);
  }

  private CompletableFuture<Packet> send(ConnObject conn, ByteBuf app, int timeout, MethodInfo info) {
    sending.incrementAndGet();
    try {
      return sendCounted(conn, app, timeout, info);
    } finally {
      if (sending.decrementAndGet() == 0 && retired) {
        closeWhenDrained();
      }
    }
  }

  private CompletableFuture<Packet> sendCounted(
      ConnObject conn, ByteBuf app, int timeout, MethodInfo info) {
    long id = nextId();
    Pending p = new Pending(info, conn, timeout);
    pending.put(id, p);
    if (retired) {
      // Put before the check, as the retiring close checks in the other order: either this call
      // sees it retired, or the close sees this call and waits for its answer.
      pending.remove(id);
      app.release();
      p.future.completeExceptionally(notSent(p));
      return p.future;
    }
    Channel ch = channel;
    if (closeCause != null || !ch.isActive()) {
      pending.remove(id);
      app.release();
      connectionLost(closeCause);
      p.future.completeExceptionally(notSent(p, closeCause)); // never written: safe to send again
      return p.future;
    }
    try {
      armSweep(ch, p.deadline);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      pending.remove(id);
      app.release();
      p.future.completeExceptionally(lost(p, e));
      return p.future;
    }
    Packet packet = Packet.request(id, timeout, conn, app);
    if (!ch.isWritable() || waitingWrites.peek() != null) {
      // The leader does not read as fast as this process writes: the call waits its turn, within
      // its deadline, and the bytes waiting are bounded.
      int size = app.readableBytes();
      if (waitingBytes.addAndGet(size) > maxWaitingBytes && waitingWrites.peek() != null) {
        waitingBytes.addAndGet(-size);
        pending.remove(id, p);
        packet.release();
        p.future.completeExceptionally(backedUp(p));
        return p.future;
      }
      waitingWrites.add(new WaitingWrite(id, p, packet, size));
      ch.eventLoop().execute(this::drainWaiting);
      return p.future;
    }
    write(ch, id, p, packet);
    return p.future;
  }

  private void write(Channel ch, long id, Pending p, Packet packet) {
    p.sent = true;
    ch.writeAndFlush(packet)
        .addListener(
            w -> {
              if (!w.isSuccess() && pending.remove(id, p)) {
                connectionLost(w.cause());
                p.future.completeExceptionally(lost(p, w.cause()));
              }
            });
  }

  /** A call that waits for the connection to drain before it is written. */
  private record WaitingWrite(long id, Pending pending, Packet packet, int size) {}

  /** Writes the calls that waited, in order, while the connection takes them. On the event loop. */
  private void drainWaiting() {
    Channel ch = channel;
    WaitingWrite w;
    while ((ch.isWritable() || !ch.isActive()) && (w = waitingWrites.poll()) != null) {
      waitingBytes.addAndGet(-w.size);
      if (!ch.isActive() || pending.get(w.id) != w.pending) {
        w.packet.release(); // timed out, or the connection closed, while it waited
        if (pending.remove(w.id, w.pending)) {
          w.pending.future.completeExceptionally(lost(w.pending, closeCause));
        }
        continue;
      }
      write(ch, w.id, w.pending, w.packet);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().isWritable()) {
      drainWaiting();
    }
    super.channelWritabilityChanged(ctx);
  }

  private ClusterException backedUp(Pending p) {
    return new ClusterException(
        p.what() + " was not sent: " + leader + " is not reading, and " + waitingBytes.get()
            + " bytes of calls already wait for the connection to drain (limit " + maxWaitingBytes
            + " bytes, maxFrameLength + 8 MiB); the leader is overloaded or stalled: slow down, "
            + "or wait for its calls to be answered");
  }

  /**
   * Makes sure a sweep runs by {@code due}. One timer for all the calls in flight instead of one
   * per call: scheduling and cancelling a task on the event loop for every call cost more than the
   * call's own work. A call added while a sweep runs is either seen by it or arms its own.
   */
  private void armSweep(Channel ch, long due) {
    long current;
    while ((current = nextSweep.get()) == Long.MAX_VALUE || due - current < 0) {
      if (nextSweep.compareAndSet(current, due)) {
        try {
          long delay = Math.max(0, due - System.nanoTime());
          ch.eventLoop().schedule(() -> sweep(ch, due), delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          nextSweep.compareAndSet(due, Long.MAX_VALUE); // no sweep behind it: the next call arms one
          throw e;
        }
        return;
      }
    }
  }

  /**
   * Fails the calls past their deadline, and arms the sweep of the next one. On the event loop. A
   * sweep overtaken by an earlier one arms nothing the earlier one did not, so sweeps do not pile up.
   */
  private void sweep(Channel ch, long due) {
    nextSweep.compareAndSet(due, Long.MAX_VALUE);
    long now = System.nanoTime();
    long soonest = Long.MAX_VALUE;
    for (Map.Entry<Long, Pending> e : pending.entrySet()) {
      Pending p = e.getValue();
      long left = p.deadline - now;
      if (left > 0) {
        soonest = Math.min(soonest, left);
      } else if (pending.remove(e.getKey(), p)) {
        p.future.completeExceptionally(timeout(p, p.timeoutMillis));
      }
    }
    if (soonest != Long.MAX_VALUE) {
      armSweep(ch, now + soonest);
    }
    if (retired) {
      closeWhenDrained();
    }
  }

  /**
   * Tells the session, once, that this connection is gone. Called before any call fails with
   * LeaderLostException, so that a retry finds the new round and not this connection.
   */
  private void connectionLost(Throwable cause) {
    if (registered && !closedByUser) {
      // Before telling: the session answers with close(), on its own thread, which must not make
      // the calls failed here look closed by the user (ClusterClosedException instead of
      // LeaderLostException, which an idempotent call retries and a task queue waits out).
      lostReported = true;
      events.lost(cause != null ? cause : new ClusterException("the connection closed"));
    }
  }

  private ConnObject invokeConn(MethodInfo info) {
    return invokeConns.computeIfAbsent(
        info, i -> ConnObject.invoke(i.name(), i.parameterCount(), i.isOneway(), i.sig()));
  }

  private ByteBuf encodeArgs(MethodInfo info, Object[] args) {
    Object[] values = args == null ? new Object[0] : args;
    ByteBuf app;
    try {
      long hint = 0;
      for (int i = 0; i < values.length; i++) {
        hint += Values.sizeHint(binary, values[i], info.parameterTypes()[i]);
      }
      app = InvokeArgs.encode(
          channel.alloc(),
          values.length,
          (int) Math.min(Integer.MAX_VALUE - 1024, hint),
          (i, out) -> Values.encode(codec, binary, values[i], info.parameterTypes()[i], out));
    } catch (IOException | RuntimeException e) {
      throw new ClusterCodecException(
          "cannot encode the arguments of " + info.description() + ": " + e.getMessage(), e);
    }
    try {
      FrameLimit.check("the arguments of ", info.description(), () -> invokeConn(info), app.readableBytes(),
          options.maxFrameLength());
    } catch (MessageTooLargeException e) {
      app.release();
      throw e;
    }
    return app;
  }

  @Override
  public Object invokeSync(MethodInfo info, Object[] args, long deadlineNanos) throws Throwable {
    if (channel.eventLoop().inEventLoop()) {
      throw new ClusterException(
          info.description() + " would block an I/O thread of cluster-client; call it from another thread");
    }
    int timeoutMillis = millisLeft(deadlineNanos);
    if (timeoutMillis <= 0) {
      throw timeout(Pending.sent(info), this.timeoutMillis);
    }
    CompletableFuture<Packet> answer = send(invokeConn(info), encodeArgs(info, args), timeoutMillis, info);
    Packet p;
    try {
      // The timer fails the future on time; the extra second only guards against a dead event loop.
      p = answer.get(timeoutMillis + 1000L, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause();
    } catch (TimeoutException e) {
      // Only when the event loop stalled past the timer; completing the future here makes a later
      // answer fail to complete it, and channelRead0 then releases that answer.
      answer.completeExceptionally(e);
      throw timeout(Pending.sent(info), this.timeoutMillis);
    } catch (InterruptedException e) {
      answer.thenAccept(Packet::release);
      Thread.currentThread().interrupt();
      throw new ClusterException(info.description() + " was interrupted while waiting for " + leader, e);
    }
    return result(info, p);
  }

  @Override
  public CompletableFuture<Object> invokeAsync(MethodInfo info, Object[] args, long deadlineNanos) {
    CallbackFuture<Object> out = new CallbackFuture<>(session.callbackExecutor());
    CompletableFuture<Packet> answer;
    int timeoutMillis = millisLeft(deadlineNanos);
    if (timeoutMillis <= 0) {
      out.completeExceptionally(timeout(Pending.sent(info), this.timeoutMillis));
      return out;
    }
    try {
      answer = send(invokeConn(info), encodeArgs(info, args), timeoutMillis, info);
    } catch (RuntimeException e) {
      out.completeExceptionally(e);
      return out;
    }
    new AsyncAnswer(info, answer, out).arm();
    return out;
  }

  /**
   * Turns the answer of an asynchronous call into its result, once, on a thread that may run the
   * codec: the caller's, when it is blocked in {@code get()} or {@code join()} (it wakes as the
   * answer arrives, as a synchronous caller does), else a callback thread. Never the I/O thread,
   * which only completes {@code answer}.
   */
  private final class AsyncAnswer implements CallbackFuture.Helper {
    private final MethodInfo info;
    private final CompletableFuture<Packet> answer;
    private final CallbackFuture<Object> out;
    private final java.util.concurrent.atomic.AtomicInteger waiting =
        new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean settled =
        new java.util.concurrent.atomic.AtomicBoolean();

    AsyncAnswer(MethodInfo info, CompletableFuture<Packet> answer, CallbackFuture<Object> out) {
      this.info = info;
      this.answer = answer;
      this.out = out;
    }

    void arm() {
      out.helpWith(this);
      answer.whenComplete(
          (p, e) -> {
            // The answer is set before waiting is read, and a helper counts itself before it reads
            // the answer: one of the two always settles.
            if (waiting.get() == 0) {
              session.callbackExecutor().execute(this::settle);
            }
          });
    }

    @Override
    public void help(long deadlineNanos) {
      waiting.incrementAndGet();
      try {
        long left = deadlineNanos - System.nanoTime();
        answer.get(Math.max(0, left), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException e) {
        // settled below if the answer came, else left to the callback
      } finally {
        waiting.decrementAndGet();
      }
      settle();
    }

    private void settle() {
      if (!answer.isDone() || !settled.compareAndSet(false, true)) {
        return;
      }
      Packet p;
      try {
        p = answer.join();
      } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
        out.completeExceptionally(e instanceof java.util.concurrent.CompletionException ? e.getCause() : e);
        return;
      }
      try {
        out.complete(result(info, p));
      } catch (Throwable t) {
        out.completeExceptionally(t);
      }
    }
  }

  /** What is left of a call's deadline, in whole milliseconds, rounded up; 0 when past. */
  private static int millisLeft(long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      return 0;
    }
    return (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
  }

  @Override
  public void publish(Published publish) {
    writeOneway(invokeConn(publish.info()), Unpooled.wrappedBuffer(publish.encoded(binary)));
  }

  @Override
  public void subscribe(String key, JsonNode reg) {
    writeOneway(ConnObject.subscribe(key, reg), Unpooled.EMPTY_BUFFER);
  }

  @Override
  public void unsubscribe(String key, JsonNode reg) {
    writeOneway(ConnObject.unSubscribe(key, reg), Unpooled.EMPTY_BUFFER);
  }

  /** Writes what the session remembers; a write lost with the connection is replayed to the next leader. */
  private void writeOneway(ConnObject conn, ByteBuf app) {
    Channel ch = channel;
    if (ch.isActive()) {
      ch.writeAndFlush(Packet.request(nextId(), timeoutMillis, conn, app));
    } else {
      app.release();
    }
  }

  @Override
  public void invokeOneway(MethodInfo info, Object[] args) {
    sending.incrementAndGet();
    try {
      if (retired) {
        throw notSent(new Pending(info, null, timeoutMillis));
      }
      writeOnewayCall(info, args);
    } finally {
      if (sending.decrementAndGet() == 0 && retired) {
        closeWhenDrained();
      }
    }
  }

  private void writeOnewayCall(MethodInfo info, Object[] args) {
    ByteBuf app = encodeArgs(info, args);
    Channel ch = channel;
    if (!ch.isActive()) {
      app.release();
      connectionLost(closeCause);
      throw notSent(new Pending(info, null, timeoutMillis), closeCause);
    }
    if (!ch.isWritable() && unsentBytes(ch) + app.readableBytes() > maxWaitingBytes) {
      app.release();
      throw backedUp(new Pending(info, null, timeoutMillis));
    }
    ch.writeAndFlush(Packet.request(nextId(), timeoutMillis, invokeConn(info), app));
  }

  /** Bytes written but not yet taken by the socket, and bytes of calls waiting to be written. */
  private long unsentBytes(Channel ch) {
    io.netty.channel.ChannelOutboundBuffer buffer = ch.unsafe().outboundBuffer();
    return (buffer == null ? 0 : buffer.totalPendingWriteBytes()) + waitingBytes.get();
  }

  private Object result(MethodInfo info, Packet p) throws Throwable {
    try {
      if (Boolean.TRUE.equals(p.conn().success())) {
        return decode(p.app(), info.resultType(), binary);
      }
      Object error;
      try {
        error = Values.decode(codec, false, p.app(), Object.class);
      } catch (IOException | RuntimeException e) {
        throw new ProtocolException(
            "cannot read the error reply of " + leader + " to " + info.description() + ": " + e.getMessage(), e);
      }
      throw RemoteErrors.decode(error, info.method(), info.description() + " failed on " + leader);
    } finally {
      p.release();
    }
  }

  private Object decode(ByteBuf app, java.lang.reflect.Type type, boolean raw) {
    try {
      return Values.decode(codec, raw, app, type);
    } catch (IOException | RuntimeException e) {
      throw new ClusterCodecException(
          "cannot read the answer of " + leader + " as " + type.getTypeName() + ": " + e.getMessage(), e);
    }
  }

  private ClusterTimeoutException timeout(Pending p, int timeout) {
    if (!p.sent && p.info != null) {
      return new ClusterTimeoutException(
          p.what() + " could not be sent to " + leader + " within responseTimeout " + timeout
              + " ms: the connection did not drain (the leader is not reading: overloaded or "
              + "stalled)",
          Duration.ofMillis(timeout));
    }
    return new ClusterTimeoutException(
        p.what() + " got no answer from " + leader + " within responseTimeout " + timeout
            + " ms; raise responseTimeout if the call is legitimately slow",
        Duration.ofMillis(timeout));
  }

  private NotSentException notSent(Pending p) {
    return new NotSentException(
        p.what() + " was not sent: " + leader + " is handing over; it goes to the next leader");
  }

  private NotSentException notSent(Pending p, Throwable cause) {
    return new NotSentException(
        p.what() + " was not sent: the connection to " + leader + " had closed"
            + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")")
            + "; it goes to the next leader");
  }

  private LeaderLostException lost(Pending p, Throwable cause) {
    return new LeaderLostException(
        p.what() + " was in flight to " + leader + " when the connection closed"
            + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")")
            + "; it may or may not have run",
        cause);
  }

  // ---- I/O ----

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Packet packet) {
    answered = true;
    if (packet.isResponse()) {
      if (packet.id() == 0) {
        if (ConnObject.HANDOVER.equals(packet.conn().type()) && registered) {
          events.handingOver();
        } else if (ConnObject.AUTH_CHALLENGE.equals(packet.conn().type()) && handshake != null && !registered) {
          onChallenge(packet);
        }
        return; // register_channel_ack: the holder is a live leader that will answer when it can
      }
      Pending p = pending.remove(packet.id());
      if (p != null && !p.future.complete(packet.retain())) {
        packet.release(); // late answer after a timeout: dropped
      }
      if (retired) {
        closeWhenDrained();
      }
      return;
    }
    ConnObject conn = packet.conn();
    // Only once registered: before that, the holder has not proven itself (an impostor could push).
    if (ConnObject.SUBSCRIBE_RESULT.equals(conn.type()) && conn.key() != null && registered) {
      byte[] value = ByteBufUtil.getBytes(packet.app());
      events.pushed(conn.key(), value); // first: the listener's thread wakes while this one writes
      if (!binary) {
        // Node.js's leader waits for this answer; a Java leader (binary) ignores it, so it gets none.
        ctx.writeAndFlush(
            Packet.response(packet.id(), 0, ConnObject.subscribeResultRes(), Unpooled.EMPTY_BUFFER));
      }
      return;
    }
    if (ConnObject.CLUSTER_EVENT.equals(conn.type()) && conn.key() != null && registered) {
      events.event(conn.key(), ByteBufUtil.getBytes(packet.app())); // never answered
      return;
    }
    LOG.debug("[cluster-client:{}] ignoring '{}' from {}", session.name(), conn.type(), leader);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    // Nothing heard from the leader for a heartbeat interval, busy or not: ask it.
    if (evt instanceof IdleStateEvent && ((IdleStateEvent) evt).state() == IdleState.READER_IDLE) {
      if (registered && !heartbeatOutstanding && !retired) {
        heartbeatOutstanding = true;
        send(ConnObject.heartbeat(), Unpooled.EMPTY_BUFFER, timeoutMillis, null)
            .whenComplete(
                (p, e) -> {
                  heartbeatOutstanding = false;
                  if (p != null) {
                    p.release();
                  } else if (e instanceof ClusterTimeoutException) {
                    String what =
                        leader + " did not answer a heartbeat within responseTimeout " + timeoutMillis
                            + " ms (follower side); it holds the port but does not answer: stopped or hung";
                    events.unresponsive(what);
                    closeCause = new ClusterTimeoutException(what, Duration.ofMillis(timeoutMillis));
                    LOG.warn("[cluster-client:{}] {}; treating the connection as lost", session.name(), what);
                    ctx.close();
                  }
                });
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (closeCause == null) {
      closeCause = cause;
    }
    if (cause instanceof IOException) {
      // The leader went away (a reset): the session logs the loss, with this cause, once.
      LOG.debug("[cluster-client:{}] connection to {} failed: {}", session.name(), leader, cause.toString());
    } else {
      LOG.warn("[cluster-client:{}] closing connection to {}: {}", session.name(), leader, cause.getMessage());
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    Throwable cause = closeCause;
    if (cause == null) {
      closeCause = cause = new ClusterException("the connection closed");
    }
    // The session starts a new round first, so that an idempotent call failed below is retried on
    // the new round, not on this dead connection.
    connectionLost(cause);
    CompletableFuture<Backend> greeting = awaitingGreeting;
    if (greeting != null) {
      awaitingGreeting = null;
      greeting.completeExceptionally(
          new NoLeaderException("the holder of " + endpoint() + " closed the connection", cause));
    }
    for (Map.Entry<Long, Pending> e : pending.entrySet()) {
      Pending p = e.getValue();
      if (pending.remove(e.getKey(), p)) {
        p.future.completeExceptionally(
            closedByUser ? new io.clusterclient.ClusterClosedException(p.what() + " was cancelled: the client was closed") : lost(p, cause));
      }
    }
    drainWaiting(); // releases what waited for the connection to drain
    super.channelInactive(ctx);
  }

  @Override
  public CompletableFuture<Void> retire() {
    retired = true;
    Channel ch = channel;
    if (ch == null) {
      return close();
    }
    try {
      ch.eventLoop().execute(this::closeWhenDrained);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return close();
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    ch.closeFuture().addListener(f -> done.complete(null));
    return done;
  }

  /**
   * Closes a retired connection once no call waits for an answer and no sender is about to write.
   * The close runs as a task of the event loop, behind the writes already handed to it.
   */
  private void closeWhenDrained() {
    if (pending.isEmpty() && sending.get() == 0) {
      Channel ch = channel;
      closedByUser = true;
      ch.eventLoop().execute(() -> ch.close());
    }
  }

  @Override
  public CompletableFuture<Void> close() {
    if (!lostReported) {
      closedByUser = true;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Channel ch = channel;
    if (ch == null) {
      done.complete(null);
    } else {
      ch.close().addListener(f -> done.complete(null));
    }
    return done;
  }

  /** One request waiting for its answer. */
  private static final class Pending {
    final MethodInfo info;
    final ConnObject conn;
    final int timeoutMillis;
    final long deadline;
    final CompletableFuture<Packet> future = new CompletableFuture<>();
    /** Written to the connection, not waiting for it to drain. */
    volatile boolean sent;

    /** A call that timed out for another reason than a connection that does not drain. */
    static Pending sent(MethodInfo info) {
      Pending p = new Pending(info, null, 0);
      p.sent = true;
      return p;
    }

    Pending(MethodInfo info, ConnObject conn, int timeoutMillis) {
      this.info = info;
      this.conn = conn;
      this.timeoutMillis = timeoutMillis;
      this.deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    String what() {
      if (info != null) {
        return info.description();
      }
      return conn == null ? "a request" : "'" + conn.type() + "'";
    }
  }
}
