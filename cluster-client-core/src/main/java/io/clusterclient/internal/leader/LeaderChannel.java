package io.clusterclient.internal.leader;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.ClusterException;
import io.clusterclient.DelegateType;
import io.clusterclient.MessageTooLargeException;
import io.clusterclient.ProtocolException;
import io.clusterclient.RealClientFactory;
import io.clusterclient.Role;
import com.fasterxml.jackson.databind.JsonNode;
import io.clusterclient.internal.SerialExecutor;
import io.clusterclient.internal.codec.Regs;
import io.clusterclient.internal.codec.RemoteErrors;
import io.clusterclient.internal.codec.Values;
import io.clusterclient.internal.protocol.Keys;
import io.clusterclient.internal.proxy.ListenerType;
import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.FrameLimit;
import io.clusterclient.internal.protocol.InvokeArgs;
import io.clusterclient.internal.protocol.Packet;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.proxy.MethodTable;
import io.clusterclient.internal.session.Backend;
import io.clusterclient.internal.session.BackendEvents;
import io.clusterclient.internal.session.Published;
import io.clusterclient.internal.session.SessionContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader of one client name: owns the real client, serves this process's own calls directly and
 * followers' calls from the wire. Real client calls never run on an I/O thread. Thread-safe.
 */
public final class LeaderChannel implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderChannel.class);
  private static final long PID = ProcessHandle.current().pid();
  private static final ConnObject RESULT_OK = ConnObject.invokeResult(true);
  private static final long CLOSE_WAIT_SECONDS = 10;
  private static final long CLOSE_WATCH_MILLIS = 100;

  private final SessionContext session;
  private final BackendEvents events;
  private final LeaderServer server;
  private final MethodTable table;
  private final ClusterCodec codec;
  private final int maxFrameLength;
  /** When this process started leading this name. */
  private final java.time.Instant since;
  /** Makes this process's own calls behave as a follower's. */
  private final LocalCopies copies;
  private final Executor worker;
  private final Executor localOneways;
  /** Upstream subscribe and unsubscribe calls, one at a time in order, whoever asked. */
  private final Executor upstreamOps;
  private final CompletableFuture<Object> realClient = new CompletableFuture<>();
  private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private final Map<String, Topic> topics = new HashMap<>();
  private final Map<ServerConnection, Sink> remoteSinks = new ConcurrentHashMap<>();
  private final Sink localSink;
  private final AtomicLong pushIds = new AtomicLong();
  private final boolean broadcast;
  private final int pushTimeoutMillis;
  private volatile boolean closed;
  private CompletableFuture<Void> closing; // guarded by this
  private CompletableFuture<Void> handover; // guarded by this
  private volatile boolean handingOver;
  /** While a real client becomes ready: failed by a close, so that the close need not wait. */
  private volatile CompletableFuture<Object> readyWait;
  private final java.util.concurrent.atomic.AtomicBoolean realClosed =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Where the values of a registration go: this process, or one follower. */
  @FunctionalInterface
  interface Sink {
    void push(String key, byte[] value);
  }

  /** One registration key: subscribed upstream once, whatever the number of processes. */
  private static final class Topic {
    final String key;
    final JsonNode reg;
    final List<Sink> sinks = new ArrayList<>();
    byte[] latest;
    Object regValue;
    Object upstreamListener;
    boolean upstreamFailed;
    int next;

    Topic(String key, JsonNode reg) {
      this.key = key;
      this.reg = reg;
    }
  }

  private LeaderChannel(SessionContext session, LeaderServer server, BackendEvents events) {
    this.since = java.time.Instant.now();
    this.session = session;
    this.events = events;
    this.server = server;
    this.table = session.table();
    this.codec = session.codec();
    this.maxFrameLength = session.options().maxFrameLength();
    this.copies = new LocalCopies(codec, session.options().codecOnLeader(), maxFrameLength, PID);
    this.worker = session.worker();
    this.localOneways = new SerialExecutor(worker);
    this.upstreamOps = new SerialExecutor(worker);
    this.localSink = events::pushed;
    this.broadcast = session.options().broadcast();
    this.pushTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, session.options().responseTimeout().toMillis());
  }

  /**
   * Leads a name: registers it on the server (registrations wait for the real client), then creates
   * the real client on a worker thread.
   *
   * @param session the session
   * @param server the bound server, or null in single mode
   * @param events where the channel reports
   * @return completes with the channel once the real client exists; with null when the server
   *     closed meanwhile; failed when the real client cannot be created
   */
  public static CompletableFuture<Backend> start(
      SessionContext session, LeaderServer server, BackendEvents events) {
    LeaderChannel channel = new LeaderChannel(session, server, events);
    try {
      if (server != null && !server.register(channel, session.handshake())) {
        return CompletableFuture.completedFuture(null);
      }
    } catch (io.clusterclient.ClusterConfigurationException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Backend> out = new CompletableFuture<>();
    try {
      session.elections().execute(() -> channel.createReal(out));
    } catch (RejectedExecutionException e) {
      channel.close();
      out.completeExceptionally(session.isClosed() ? e : new ClusterException("shutting down", e));
    }
    return out;
  }

  private void createReal(CompletableFuture<Backend> out) {
    RealClientFactory<?> factory = session.factory();
    Object real = null;
    CompletionStage<?> readiness;
    try {
      for (MethodInfo info : table.all()) {
        if (info.isDelegated()) {
          info.method().trySetAccessible();
        }
      }
      real = factory.create();
      if (real == null || !table.type().isInstance(real)) {
        Object wrong = real;
        real = null;
        throw new ClusterException(
            "the real client factory of '" + session.name() + "' returned "
                + (wrong == null ? "null" : "a " + wrong.getClass().getName())
                + ", not a " + table.type().getName());
      }
      if (real instanceof io.clusterclient.ClusterEventSource source) {
        source.bindEvents(new EventSink());
      }
      readiness = real instanceof io.clusterclient.ReadyLater later ? later.whenReady() : null;
      if (real instanceof io.clusterclient.ReadyLater && readiness == null) {
        throw new ClusterException(
            real.getClass().getName() + ".whenReady() returned null; return a stage that completes"
                + " when the real client is ready");
      }
    } catch (Throwable t) {
      if (real != null) {
        closeReal(real); // created, but it cannot serve
      }
      failReal(RemoteErrors.unwrap(t), "could not be created", out);
      return;
    }
    if (readiness == null) {
      realReady(real, out);
    } else {
      awaitReady(real, readiness, out);
    }
  }

  private void failReal(Throwable cause, String what, CompletableFuture<Backend> out) {
    realClient.completeExceptionally(cause);
    close();
    out.completeExceptionally(
        new ClusterException("the real client of '" + session.name() + "' " + what + ": " + cause, cause));
  }

  private void realReady(Object real, CompletableFuture<Backend> out) {
    realClient.complete(real);
    if (closed) {
      closeReal(real); // closed while it was being created
    }
    out.complete(this);
  }

  /**
   * A real client that becomes ready later ({@link io.clusterclient.ReadyLater}): followers are
   * acknowledged meanwhile, and answered once it is ready, or failed, or past {@code maxWaitTime}.
   */
  private void awaitReady(Object real, CompletionStage<?> readiness, CompletableFuture<Backend> out) {
    Duration limit = session.options().maxWaitTime();
    CompletableFuture<Object> wait = new CompletableFuture<>();
    readyWait = wait;
    if (closed) {
      wait.completeExceptionally(new ClusterException("the client was closed meanwhile"));
    }
    // The session's close waits for this attempt: it must not wait for maxWaitTime as well.
    try {
      io.netty.util.concurrent.ScheduledFuture<?> watch = session.eventLoop().scheduleAtFixedRate(
          () -> {
            if (session.isClosed()) {
              wait.completeExceptionally(new ClusterException("the client was closed meanwhile"));
            }
          },
          CLOSE_WATCH_MILLIS, CLOSE_WATCH_MILLIS, TimeUnit.MILLISECONDS);
      wait.whenComplete((v, e) -> watch.cancel(false));
    } catch (RejectedExecutionException e) {
      wait.completeExceptionally(new ClusterException("shutting down", e));
    }
    // A copy: the timeout must not complete the real client's own future.
    readiness.whenComplete((v, e) -> {
      if (e == null) {
        wait.complete(v);
      } else {
        wait.completeExceptionally(e);
      }
    });
    wait.orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS)
        .whenCompleteAsync(
            (v, e) -> {
              readyWait = null;
              if (e == null) {
                realReady(real, out);
                return;
              }
              Throwable cause = RemoteErrors.unwrap(e);
              if (cause instanceof java.util.concurrent.TimeoutException) {
                cause = new io.clusterclient.ClusterTimeoutException(
                    real.getClass().getName() + ".whenReady() did not complete within maxWaitTime "
                        + limit.toMillis() + " ms: find why the real client does not get ready (its"
                        + " upstream may be down), or raise maxWaitTime",
                    limit);
              }
              closeReal(real);
              ClusterException failure = new ClusterException(
                  "the real client of '" + session.name() + "' did not become ready: " + cause, cause);
              realClient.completeExceptionally(failure);
              close();
              out.completeExceptionally(failure);
            },
            session.elections());
  }

  /**
   * The events of this channel's real client ({@link io.clusterclient.ClusterEvents}): to this
   * process's listeners and to each Java follower, in one order, while the channel is open.
   */
  private final class EventSink implements io.clusterclient.ClusterEvents {
    @Override
    public void emit(String name, Object value) {
      if (java.util.Objects.requireNonNull(name, "name").isEmpty()) {
        throw new IllegalArgumentException("an event's name must not be empty");
      }
      if (closed) {
        return; // a real client replaced or closed: its events are no one's
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      try {
        codec.encode(value, value == null ? Object.class : value.getClass(), out);
      } catch (IOException | RuntimeException e) {
        throw new ClusterCodecException(
            "the value of event '" + name + "' of '" + name() + "' cannot be written by the codec: "
                + e.getMessage() + "; emit a value the codec can write (see the codec's types)", e);
      }
      byte[] bytes = out.toByteArray();
      FrameLimit.check("the event ", name, () -> ConnObject.clusterEvent(name), bytes.length, maxFrameLength);
      // One order for every process: this process's listeners and every follower's connection are
      // told in the same sequence, whatever thread emits.
      synchronized (this) {
        if (closed) {
          return;
        }
        events.event(name, bytes);
        for (ServerConnection c : connections) {
          if (c.binary()) { // a Java follower; a Node.js one knows no events
            c.write(Packet.request(nextPushId(), pushTimeoutMillis, ConnObject.clusterEvent(name),
                Unpooled.wrappedBuffer(bytes)));
          }
        }
      }
    }
  }

  /** @return whether the session this channel leads for was closed: a newer one may replace it */
  boolean isSuperseded() {
    return session.isClosed();
  }

  String name() {
    return session.name();
  }

  /** @return its session, for a status report */
  SessionContext session() {
    return session;
  }

  /** @return when this process started leading this name */
  java.time.Instant since() {
    return since;
  }

  /** @return where its followers' connections are counted */
  io.clusterclient.internal.session.Traffic traffic() {
    return session.traffic();
  }

  /**
   * Prepares this process to lead soon, off the critical path: a follower may have to take over in
   * milliseconds when its leader dies, and the first run of the leader's code pays for class loading
   * and the codec's first use of the registration answer. Called once, in the background, when a
   * process starts following. Never throws: a failure here only costs time later.
   *
   * @param session the session that follows
   */
  public static void warmUp(SessionContext session) {
    try {
      ClassLoader loader = LeaderChannel.class.getClassLoader();
      for (String name :
          new String[] {
            "io.clusterclient.internal.leader.LeaderChannel$Topic",
            "io.clusterclient.internal.leader.LeaderChannel$Sink",
            "io.clusterclient.internal.leader.ServerConnection",
            "io.clusterclient.internal.leader.LeaderServer$Parked",
            "io.clusterclient.internal.leader.RealClients"
          }) {
        Class.forName(name, true, loader);
      }
      Map<String, Object> body = registerAnswer(null, true, java.time.Instant.EPOCH);
      session.codec().encode(body, Map.class, java.io.OutputStream.nullOutputStream());
    } catch (Exception | LinkageError e) {
      LOG.debug("[cluster-client:{}] warming up the leader's code failed", session.name(), e);
    }
    LeaderRehearsal.run(session);
  }

  /** The body of {@code register_channel_res}. */
  private static Map<String, Object> registerAnswer(Throwable err, boolean binary, java.time.Instant since) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("success", err == null);
    if (err != null) {
      body.put("error", RemoteErrors.encode(err));
    } else {
      body.put("pid", PID);
      body.put("since", since.toEpochMilli()); // Java-only: when this leader started leading
      if (binary) {
        body.put("binary", true); // Java-only: byte[] values travel raw on this connection
      }
    }
    return body;
  }

  @Override
  public Role role() {
    return Role.LEADER;
  }

  @Override
  public String describe() {
    return server == null
        ? "single mode, pid " + PID
        : "leader in this process, pid " + PID + ", on " + server.endpoint();
  }

  private Object real() {
    return realClient.join();
  }

  @Override
  public java.util.Optional<io.clusterclient.LeaderInfo> leaderInfo() {
    String address = server == null ? "single mode (no port)" : server.endpoint();
    return java.util.Optional.of(new io.clusterclient.LeaderInfo(PID, address, true, since, since.toEpochMilli()));
  }

  @Override
  public java.util.List<io.clusterclient.FollowerInfo> followers() {
    java.util.List<io.clusterclient.FollowerInfo> out = new java.util.ArrayList<>();
    for (ServerConnection c : connections) {
      Sink sink = remoteSinks.get(c);
      int subscribed = 0;
      if (sink != null) {
        synchronized (topics) {
          for (Topic t : topics.values()) {
            if (t.sinks.contains(sink)) {
              subscribed++;
            }
          }
        }
      }
      out.add(c.info(subscribed));
    }
    out.sort(java.util.Comparator.comparing(io.clusterclient.FollowerInfo::connectedSince));
    return out;
  }

  // ---- this process's own calls ----

  @Override
  public Object invokeSync(MethodInfo info, Object[] args, long deadlineNanos) throws Throwable {
    Object[] copied = copies.args(info, args);
    Object result;
    try {
      result = callReal(info, copied);
    } catch (Throwable t) {
      throw copies.error(info, t);
    }
    return copies.result(info, result);
  }

  @Override
  public CompletableFuture<Object> invokeAsync(MethodInfo info, Object[] args, long deadlineNanos) {
    CompletableFuture<Object> out = new CompletableFuture<>();
    Object result;
    try {
      Object[] copied = copies.args(info, args);
      try {
        result = callReal(info, copied);
      } catch (Throwable t) {
        throw copies.error(info, t);
      }
    } catch (Throwable t) {
      out.completeExceptionally(t);
      return out;
    }
    if (result instanceof CompletionStage) {
      CompletableFuture<?> f = ((CompletionStage<?>) result).toCompletableFuture();
      if (f.isDone()) {
        // Already complete: the caller's own thread (never an I/O thread here) may finish it.
        f.whenComplete((v, e) -> settle(out, info, v, e));
      } else {
        f.whenCompleteAsync((v, e) -> settle(out, info, v, e), session.callbackExecutor());
      }
    } else {
      settle(out, info, result, null);
    }
    return out;
  }

  private void settle(CompletableFuture<Object> out, MethodInfo info, Object value, Throwable error) {
    if (error != null) {
      out.completeExceptionally(copies.error(info, RemoteErrors.unwrap(error)));
      return;
    }
    Object copied;
    try {
      copied = copies.result(info, value);
    } catch (RuntimeException e) { // ClusterCodecException, MessageTooLargeException: never a hang
      out.completeExceptionally(e);
      return;
    }
    out.complete(copied);
  }

  /** Copies the arguments on the caller's thread: a failure is the caller's, as a follower's encoding is. */
  @Override
  public Object[] prepareOneway(MethodInfo info, Object[] args) {
    return copies.args(info, args);
  }

  /** The arguments were prepared ({@link #prepareOneway}) by the caller. */
  @Override
  public void invokeOneway(MethodInfo info, Object[] args) {
    localOneways.execute(() -> runOneway(info, () -> args));
  }

  /**
   * Calls the real client with what was published: read back from the bytes encoded when it was
   * published, as a follower's leader reads them (so a replay after a failover publishes what was
   * published then, not what the objects hold now), on a worker, never on the loop.
   */
  @Override
  public void publish(Published publish) {
    MethodInfo info = publish.info();
    localOneways.execute(
        () ->
            runOneway(
                info,
                () -> {
                  if (!copies.enabled()) {
                    return publish.args();
                  }
                  try {
                    return decodeArgs(
                        info, Unpooled.wrappedBuffer(publish.encoded(true)), info.parameterCount(), true);
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                }));
  }

  /** Runs a oneway call on a worker; its failure, now or later, goes to the error listeners. */
  private void runOneway(MethodInfo info, java.util.function.Supplier<Object[]> args) {
    try {
      Object result = callReal(info, args.get());
      if (result instanceof CompletionStage) {
        ((CompletionStage<?>) result)
            .whenComplete(
                (v, e) -> {
                  if (e != null) {
                    onewayFailed(info.description(), "this process", RemoteErrors.unwrap(e));
                  }
                });
      }
    } catch (Throwable t) {
      onewayFailed(info.description(), "this process", RemoteErrors.unwrap(t));
    }
  }

  /** Nobody waits for a oneway call: its failure goes to this process's error listeners. */
  private void onewayFailed(String what, String from, Throwable error) {
    events.error(
        new ClusterException("oneway " + what + " from " + from + " failed on the leader: " + error, error));
  }

  private Object callReal(MethodInfo info, Object[] args) throws Throwable {
    try {
      return info.method().invoke(real(), args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }

  // ---- followers ----

  /** Answers a registration once the real client exists (or failed). */
  void accept(ServerConnection connection, long id, int timeout) {
    if (!realClient.isDone()) {
      connection.acknowledge(); // the real client is still being created
    }
    realClient.whenComplete(
        (real, err) -> {
          ByteBuf app = encode(connection, registerAnswer(err, connection.binary(), since), Map.class);
          if (app == null) {
            connection.drop("cannot encode register_channel_res");
            return;
          }
          if (err == null) {
            connection.bind(this, worker);
            connections.add(connection);
            if (!connection.isActive()) {
              connections.remove(connection); // closed while the real client was being created
            }
          }
          connection.write(Packet.response(id, timeout, ConnObject.registerChannelRes(), app));
          if (closed) {
            connection.channel().close();
          } else if (handingOver && err == null) {
            connection.handOver(); // routed here just before the port was freed
          }
        });
  }

  void disconnected(ServerConnection connection) {
    connections.remove(connection);
    if (handingOver && connections.isEmpty()) {
      finishHandover(); // every follower has left
    }
    Sink sink = remoteSinks.remove(connection);
    if (sink != null) {
      List<Topic> emptied = new ArrayList<>();
      synchronized (topics) {
        for (Topic t : new ArrayList<>(topics.values())) {
          if (t.sinks.remove(sink) && t.sinks.isEmpty()) {
            topics.remove(t.key);
            emptied.add(t);
          }
        }
      }
      for (Topic t : emptied) {
        upstreamOps.execute(() -> unsubscribeUpstream(t));
      }
    }
  }

  private Sink remoteSink(ServerConnection connection) {
    return remoteSinks.computeIfAbsent(
        connection,
        c ->
            (key, value) -> {
              session.traffic().pushSent();
              c.write(
                  Packet.request(
                      nextPushId(),
                      pushTimeoutMillis,
                      ConnObject.subscribeResult(key),
                      Unpooled.wrappedBuffer(value)));
            });
  }

  private long nextPushId() {
    return pushIds.updateAndGet(i -> i >= (1L << 30) ? 1 : i + 1);
  }

  // ---- subscriptions ----

  @Override
  public void subscribe(String key, JsonNode reg) {
    addSink(localSink, key, reg);
  }

  @Override
  public void unsubscribe(String key, JsonNode reg) {
    removeSink(localSink, key);
  }

  /**
   * Adds a subscriber. Upstream subscribe and unsubscribe calls run in order on one serial executor,
   * so that an unsubscribe of a topic can never overtake its subscribe.
   */
  private void addSink(Sink sink, String key, JsonNode reg) {
    synchronized (topics) {
      Topic topic = topics.get(key);
      boolean first = topic == null;
      if (first) {
        topic = new Topic(key, reg);
        topics.put(key, topic);
      }
      if (!topic.sinks.contains(sink)) {
        topic.sinks.add(sink);
      }
      Topic t = topic;
      if (first || topic.upstreamFailed) {
        topic.upstreamFailed = false;
        upstreamOps.execute(() -> subscribeUpstream(t));
      } else if (topic.latest != null && broadcast) {
        // A late subscriber gets the latest value at once; under the lock, so never after a newer one.
        sink.push(key, topic.latest);
      }
    }
  }

  private void removeSink(Sink sink, String key) {
    synchronized (topics) {
      Topic t = topics.get(key);
      if (t != null && t.sinks.remove(sink) && t.sinks.isEmpty()) {
        topics.remove(key);
        upstreamOps.execute(() -> unsubscribeUpstream(t));
      }
    }
  }

  private void subscribeUpstream(Topic topic) {
    synchronized (topics) {
      if (closed || topics.get(topic.key) != topic) {
        return; // every subscriber left before its turn came
      }
    }
    List<MethodInfo> subscribers = table.ofKind(DelegateType.SUBSCRIBE);
    if (subscribers.isEmpty()) {
      events.error(new ClusterException(
          "a process subscribed " + topic.reg + ", but " + table.type().getName()
              + " has no method delegated as SUBSCRIBE"));
      return;
    }
    MethodInfo sub = subscribers.get(0);
    ListenerType type = sub.listener();
    try {
      Object regValue = Regs.fromTree(topic.reg, sub.parameterTypes()[0]);
      Object listener =
          Proxy.newProxyInstance(
              type.type().getClassLoader(),
              new Class<?>[] {type.type()},
              (proxy, method, args) -> {
                if (method.equals(type.method())) {
                  onUpstreamValue(topic, args[0], type);
                  return RealClients.defaultValue(method.getReturnType());
                }
                switch (method.getName()) {
                  case "equals":
                    return proxy == args[0];
                  case "hashCode":
                    return System.identityHashCode(proxy);
                  case "toString":
                    return "cluster-client listener of " + topic.key;
                  default:
                    return InvocationHandler.invokeDefault(proxy, method, args);
                }
              });
      synchronized (topics) {
        topic.regValue = regValue;
        topic.upstreamListener = listener;
      }
      sub.method().invoke(real(), regValue, listener);
    } catch (Throwable t) {
      Throwable cause = RemoteErrors.unwrap(t);
      synchronized (topics) {
        topic.upstreamFailed = true; // the next subscriber of this key tries again
      }
      events.error(new ClusterException(
          "the real client's " + sub.description() + " failed for " + topic.reg + ": " + cause, cause));
    }
  }

  private void onUpstreamValue(Topic topic, Object value, ListenerType type) {
    byte[] bytes;
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      codec.encode(value, type.valueType(), out);
      bytes = out.toByteArray();
    } catch (IOException | RuntimeException e) {
      events.error(new ClusterCodecException(
          "cannot encode the value pushed for " + topic.reg + ": " + e.getMessage(), e));
      return;
    }
    try {
      FrameLimit.check("the value pushed for ", topic.reg, () -> ConnObject.subscribeResult(topic.key),
          bytes.length, maxFrameLength);
    } catch (MessageTooLargeException e) {
      events.error(e); // no process gets it, this one neither: as if the value had not come
      return;
    }
    // Pushes happen under the lock (they only enqueue or write): values leave in the order they came.
    synchronized (topics) {
      if (topics.get(topic.key) != topic) {
        return; // unsubscribed meanwhile
      }
      topic.latest = bytes;
      if (broadcast) {
        for (Sink sink : topic.sinks) {
          sink.push(topic.key, bytes);
        }
      } else if (!topic.sinks.isEmpty()) {
        // One process per value, in turn; closed connections have already left the list.
        topic.sinks.get(Math.floorMod(topic.next++, topic.sinks.size())).push(topic.key, bytes);
      }
    }
  }

  private void unsubscribeUpstream(Topic topic) {
    if (closed) {
      return;
    }
    Object regValue;
    Object listener;
    synchronized (topics) {
      regValue = topic.regValue;
      listener = topic.upstreamListener;
    }
    if (listener == null) {
      return; // never subscribed upstream
    }
    // The original never unsubscribes upstream; here the last process leaving ends the subscription.
    for (MethodInfo u : table.ofKind(DelegateType.UNSUBSCRIBE)) {
      try {
        if (u.parameterCount() == 2 && u.listener().type().isInstance(listener)) {
          u.method().invoke(real(), regValue, listener);
          return;
        }
        if (u.parameterCount() == 1) {
          u.method().invoke(real(), regValue);
          return;
        }
      } catch (Throwable t) {
        Throwable cause = RemoteErrors.unwrap(t);
        events.error(new ClusterException(
            "the real client's " + u.description() + " failed for " + topic.reg + ": " + cause, cause));
        return;
      }
    }
  }

  /** A packet from a registered follower; this method owns (and releases) it. Runs on I/O. */
  void onPacket(ServerConnection connection, Packet packet) {
    if (packet.isResponse()) {
      packet.release(); // subscribe_result_res: nothing waits for it
      return;
    }
    String type = packet.conn().type();
    if (ConnObject.HEARTBEAT.equals(type)) {
      LOG.debug("[cluster-client:{}] heartbeat from {}", name(), connection);
      long id = packet.id();
      int timeout = packet.timeout();
      packet.release();
      connection.write(Packet.response(id, timeout, ConnObject.heartbeatRes(), Unpooled.EMPTY_BUFFER));
      return;
    }
    if (ConnObject.SUBSCRIBE.equals(type) || ConnObject.UN_SUBSCRIBE.equals(type)) {
      JsonNode reg = packet.conn().reg();
      packet.release();
      if (reg == null) {
        ignored(connection, "{} without reg from {}; ignored", type);
        return;
      }
      // The key is recomputed from reg, as the original does: a peer cannot make them disagree.
      String key;
      try {
        key = Keys.subscriptionKey(reg, session.options());
      } catch (RuntimeException e) {
        events.error(new ClusterException(type + " from " + connection + " ignored: " + e.getMessage(), e));
        return;
      }
      if (ConnObject.SUBSCRIBE.equals(type)) {
        addSink(remoteSink(connection), key, reg);
      } else {
        removeSink(remoteSink(connection), key);
      }
      return;
    }
    if (ConnObject.INVOKE.equals(type)) {
      // Oneway calls of one follower run in the order sent (publish then unpublish must not swap);
      // calls that are answered run concurrently: their caller waits for the answer anyway.
      boolean oneway = Boolean.TRUE.equals(packet.conn().oneway());
      session.traffic().callServed();
      Executor executor = oneway ? connection.oneways() : worker;
      if (!oneway) {
        connection.callRead();
      }
      int size = packet.app().readableBytes();
      connection.workQueued(size);
      try {
        executor.execute(
            () -> {
              try {
                serveInvoke(connection, packet);
              } finally {
                connection.workDone(size);
              }
            });
      } catch (RejectedExecutionException e) {
        connection.workDone(size);
        packet.release();
        connection.drop("leader is shutting down");
      }
      return;
    }
    packet.release();
    ignored(connection, "unsupported packet type '{}' from {}; ignored", type);
  }

  /** Logs a packet ignored: the first of a connection as a warning, the others at debug. */
  private void ignored(ServerConnection connection, String format, String type) {
    String message = "[cluster-client:{}] " + format;
    if (connection.firstIgnoredPacket()) {
      LOG.warn(message + " (further ones from it at debug level)", name(), type, connection);
    } else {
      LOG.debug(message, name(), type, connection);
    }
  }

  private void serveInvoke(ServerConnection connection, Packet packet) {
    long id = packet.id();
    int timeout = packet.timeout();
    ConnObject conn = packet.conn();
    boolean oneway = Boolean.TRUE.equals(conn.oneway());
    MethodInfo info = null;
    Object result;
    try {
      int argLength = conn.argLength() == null ? 0 : conn.argLength();
      info = table.resolveInvoke(conn.method(), argLength, conn.sig());
      if (info == null) {
        throw new ClusterException(
            "'" + conn.method() + "' taking " + argLength + " argument(s) is not a delegated method of "
                + table.type().getName() + " on the leader (pid " + PID + "); delegated methods: "
                + delegatedNames());
      }
      Object[] args;
      try {
        args = decodeArgs(info, packet.app(), argLength, connection.binary());
      } finally {
        packet.release();
        packet = null;
      }
      result = callReal(info, args);
    } catch (Throwable t) {
      if (packet != null) {
        packet.release();
      }
      replyError(connection, id, timeout, oneway, info, conn.method(), RemoteErrors.unwrap(t));
      return;
    }
    MethodInfo called = info;
    if (result instanceof CompletionStage) {
      java.util.function.BiConsumer<Object, Throwable> answer =
          (v, e) -> {
            if (e != null) {
              replyError(connection, id, timeout, oneway, called, conn.method(), RemoteErrors.unwrap(e));
            } else {
              reply(connection, id, timeout, oneway, called, v);
            }
          };
      if (result.getClass() == CompletableFuture.class && ((CompletableFuture<?>) result).isDone()) {
        // Already complete: this worker answers at once, rather than handing it to another. Only a
        // plain CompletableFuture: subclasses (a minimal stage) may refuse isDone.
        ((CompletableFuture<?>) result).whenComplete(answer);
      } else {
        ((CompletionStage<?>) result).whenCompleteAsync(answer, worker);
      }
    } else {
      reply(connection, id, timeout, oneway, called, result);
    }
  }

  private Object[] decodeArgs(MethodInfo info, ByteBuf app, int argLength, boolean binary)
      throws IOException {
    List<ByteBuf> raw = InvokeArgs.split(app, argLength);
    Type[] types = info.parameterTypes();
    Class<?>[] classes = info.method().getParameterTypes();
    Object[] args = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      Object value = null;
      if (i < raw.size()) {
        try {
          value = Values.decode(codec, binary, raw.get(i), types[i]);
        } catch (IOException | RuntimeException e) {
          throw new ClusterCodecException(
              "argument " + (i + 1) + " of " + info.description() + " cannot be read as "
                  + types[i].getTypeName() + ": " + e.getMessage(), e);
        }
      }
      args[i] = value == null ? RealClients.defaultValue(classes[i]) : value;
    }
    return args;
  }

  private void reply(
      ServerConnection connection, long id, int timeout, boolean oneway, MethodInfo info, Object value) {
    if (oneway) {
      return;
    }
    ByteBuf app;
    try {
      app = encodeOrThrow(connection, value, info.resultType(), connection.binary());
    } catch (Throwable t) {
      replyError(connection, id, timeout, false, info, info.name(),
          new ClusterCodecException(
              "the leader cannot encode the result of " + info.description() + ": " + t.getMessage(), t));
      return;
    }
    try {
      FrameLimit.check("the result of ", info.description(), () -> RESULT_OK, app.readableBytes(), maxFrameLength);
    } catch (MessageTooLargeException e) {
      app.release();
      replyError(connection, id, timeout, false, info, info.name(), e);
      return;
    }
    connection.write(Packet.response(id, timeout, RESULT_OK, app));
    connection.callAnswered();
  }

  private void replyError(
      ServerConnection connection,
      long id,
      int timeout,
      boolean oneway,
      MethodInfo info,
      String method,
      Throwable error) {
    String what = info == null ? method : info.description();
    if (oneway) {
      onewayFailed(what, connection.toString(), error);
      return;
    }
    LOG.debug("[cluster-client:{}] {} from {} failed", name(), what, connection, error);
    ByteBuf app = encode(connection, RemoteErrors.encode(error), Map.class);
    if (app != null && app.readableBytes() + Packet.HEADER_LENGTH + 256 > maxFrameLength) {
      // A huge message or stack (one that repeats a large input): cut, rather than send a packet
      // every process rejects, which would close the connection.
      app.release();
      app = encode(connection, RemoteErrors.encodeShort(error, maxFrameLength / 4), Map.class);
    }
    if (app == null) {
      connection.drop("cannot encode an error reply");
      return;
    }
    connection.write(Packet.response(id, timeout, ConnObject.invokeResult(false), app));
    connection.callAnswered();
  }

  private ByteBuf encode(ServerConnection connection, Object value, Type type) {
    try {
      return encodeOrThrow(connection, value, type, false);
    } catch (Throwable t) {
      LOG.warn("[cluster-client:{}] cannot encode a reply", name(), t);
      return null;
    }
  }

  /** Encodes into a buffer of the connection's allocator; raw byte[] where the follower agreed. */
  private ByteBuf encodeOrThrow(ServerConnection connection, Object value, Type type, boolean binary)
      throws IOException {
    int hint = Values.sizeHint(binary, value, type);
    ByteBufAllocator alloc = connection.channel().alloc();
    ByteBuf buf = hint > 0 ? alloc.buffer(hint) : alloc.buffer();
    try {
      Values.encode(codec, binary, value, type, new ByteBufOutputStream(buf));
      return buf;
    } catch (IOException | RuntimeException e) {
      buf.release();
      throw e;
    }
  }

  private List<String> delegatedNames() {
    return table.all().stream()
        .filter(i -> i.isDelegated() && i.kind().isInvoke())
        .map(MethodInfo::name)
        .distinct()
        .toList();
  }

  // ---- lifecycle ----

  /**
   * Hands leadership over: frees the port (when no other name is led through it), tells every
   * follower, and goes on serving them until each has left, or until the limit; then closes. A
   * Java follower elects a new leader at once and leaves once its calls are answered, so none
   * fails; a Node.js follower is closed as soon as it has no call here.
   */
  @Override
  public CompletableFuture<Void> handOver(Duration limit) {
    if (server == null) {
      return close(); // single mode: no other process to hand over to
    }
    CompletableFuture<Void> out;
    synchronized (this) {
      if (closing != null) {
        return closing;
      }
      if (handover != null) {
        return handover;
      }
      out = handover = new CompletableFuture<>();
      handingOver = true;
    }
    for (ServerConnection c : connections) {
      c.drain(); // survives the port's close below
    }
    Runnable cancelTimer;
    try {
      io.netty.util.concurrent.ScheduledFuture<?> timer =
          session.eventLoop().schedule(this::finishHandover, limit.toNanos(), TimeUnit.NANOSECONDS);
      cancelTimer = () -> timer.cancel(false);
    } catch (RejectedExecutionException e) {
      return close();
    }
    out.whenComplete((x, e) -> cancelTimer.run());
    server.unregister(this).whenComplete(
        (x, e) -> {
          int followers = connections.size();
          if (followers == 0) {
            LOG.info("[cluster-client:{}] closing: no follower to hand over to", name());
          } else {
            LOG.info(
                "[cluster-client:{}] handing over: port free, {} follower(s) told, waiting up to {} ms",
                name(), followers, limit.toMillis());
          }
          for (ServerConnection c : connections) {
            c.handOver();
          }
          if (connections.isEmpty()) {
            finishHandover();
          }
        });
    return out;
  }

  /** Every follower has left, or the limit has passed: closes what is left. */
  private void finishHandover() {
    CompletableFuture<Void> out;
    synchronized (this) {
      out = handover;
    }
    if (out == null || out.isDone()) {
      return;
    }
    if (!connections.isEmpty()) {
      LOG.warn(
          "[cluster-client:{}] handoverTimeout passed with {} follower(s) still connected; closing them",
          name(), connections.size());
    }
    close().whenComplete((x, e) -> out.complete(null));
  }

  @Override
  public CompletableFuture<Void> close() {
    synchronized (this) {
      if (closing != null) {
        return closing;
      }
      closing = new CompletableFuture<>();
    }
    closed = true;
    CompletableFuture<Object> waiting = readyWait;
    if (waiting != null) {
      waiting.completeExceptionally(new ClusterException("the client was closed meanwhile"));
    }
    CompletableFuture<Void> portFreed =
        server == null ? CompletableFuture.completedFuture(null) : server.unregister(this);
    for (ServerConnection c : connections) {
      c.channel().close();
    }
    connections.clear();
    synchronized (topics) {
      topics.clear();
    }
    Object real = realClient.isDone() && !realClient.isCompletedExceptionally() ? realClient.join() : null;
    CompletableFuture<Void> realClosed = new CompletableFuture<>();
    if (real == null) {
      realClosed.complete(null); // none yet: one created later is closed by createReal
    } else {
      // The real client's close may block: on a worker, never on the session's loop.
      try {
        session.elections().execute(
            () -> {
              closeReal(real);
              realClosed.complete(null);
            });
      } catch (RejectedExecutionException e) {
        closeReal(real);
        realClosed.complete(null);
      }
    }
    CompletableFuture<Void> done = closing;
    CompletableFuture.allOf(portFreed, realClosed).whenComplete((x, e) -> done.complete(null));
    return done;
  }

  private void closeReal(Object real) {
    if (realClosed.getAndSet(true)) {
      return;
    }
    try {
      List<MethodInfo> closers = table.ofKind(DelegateType.CLOSE);
      if (!closers.isEmpty()) {
        Method m = closers.get(0).method();
        Object r = m.invoke(real);
        if (r instanceof CompletionStage) {
          ((CompletionStage<?>) r).toCompletableFuture().get(CLOSE_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        }
      } else if (real instanceof AutoCloseable) {
        ((AutoCloseable) real).close();
      }
    } catch (Throwable t) {
      LOG.warn("[cluster-client:{}] closing the real client failed", name(), RemoteErrors.unwrap(t));
    }
  }
}
