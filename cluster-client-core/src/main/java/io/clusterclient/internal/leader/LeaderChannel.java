package io.clusterclient.internal.leader;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterException;
import io.clusterclient.DelegateType;
import io.clusterclient.ProtocolException;
import io.clusterclient.RealClientFactory;
import io.clusterclient.Role;
import io.clusterclient.internal.codec.RemoteErrors;
import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.InvokeArgs;
import io.clusterclient.internal.protocol.Packet;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.proxy.MethodTable;
import io.clusterclient.internal.session.Backend;
import io.clusterclient.internal.session.ClientSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader of one client name: owns the real client, serves this process's own calls directly and
 * followers' calls from the wire. Real client calls never run on an I/O thread. Thread-safe.
 */
public final class LeaderChannel implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderChannel.class);
  private static final long PID = ProcessHandle.current().pid();

  private final ClientSession session;
  private final LeaderServer server;
  private final MethodTable table;
  private final ClusterCodec codec;
  private final Executor worker;
  private final CompletableFuture<Object> realClient = new CompletableFuture<>();
  private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private LeaderChannel(ClientSession session, LeaderServer server) {
    this.session = session;
    this.server = server;
    this.table = session.table();
    this.codec = session.codec();
    this.worker = session.runtime().worker();
  }

  /**
   * Leads a name: registers it on the server (registrations wait for the real client), then creates
   * the real client on this thread.
   *
   * @param session the session
   * @param server the bound server, or null in single mode
   * @return the channel, or null when the server closed meanwhile
   * @throws ClusterException when the real client cannot be created
   */
  public static LeaderChannel start(ClientSession session, LeaderServer server) {
    LeaderChannel channel = new LeaderChannel(session, server);
    if (server != null && !server.register(channel)) {
      return null;
    }
    RealClientFactory<?> factory = RealClients.factoryOf(session.spec());
    Object real;
    try {
      real = factory.create();
      if (real == null || !session.table().type().isInstance(real)) {
        throw new ClusterException(
            "the real client factory of '" + session.name() + "' returned "
                + (real == null ? "null" : "a " + real.getClass().getName())
                + ", not a " + session.table().type().getName());
      }
    } catch (Throwable t) {
      Throwable cause = RemoteErrors.unwrap(t);
      channel.realClient.completeExceptionally(cause);
      channel.close();
      throw new ClusterException(
          "the real client of '" + session.name() + "' could not be created: " + cause, cause);
    }
    for (MethodInfo info : session.table().all()) {
      if (info.isDelegated()) {
        info.method().trySetAccessible();
      }
    }
    channel.realClient.complete(real);
    return channel;
  }

  String name() {
    return session.name();
  }

  @Override
  public Role role() {
    return Role.LEADER;
  }

  @Override
  public String describe() {
    return server == null
        ? "single mode, pid " + PID
        : "leader in this process, pid " + PID + ", on 127.0.0.1:" + server.port();
  }

  private Object real() {
    return realClient.join();
  }

  // ---- this process's own calls ----

  @Override
  public Object invokeSync(MethodInfo info, Object[] args) throws Throwable {
    return callReal(info, args);
  }

  @Override
  public CompletableFuture<Object> invokeAsync(MethodInfo info, Object[] args) {
    CompletableFuture<Object> out = new CompletableFuture<>();
    Object result;
    try {
      result = callReal(info, args);
    } catch (Throwable t) {
      out.completeExceptionally(t);
      return out;
    }
    if (result instanceof CompletionStage) {
      ((CompletionStage<?>) result)
          .whenCompleteAsync(
              (v, e) -> {
                if (e != null) {
                  out.completeExceptionally(RemoteErrors.unwrap(e));
                } else {
                  out.complete(v);
                }
              },
              session.callbackExecutor());
    } else {
      out.complete(result);
    }
    return out;
  }

  @Override
  public void invokeOneway(MethodInfo info, Object[] args) {
    worker.execute(
        () -> {
          try {
            Object result = callReal(info, args);
            if (result instanceof CompletionStage) {
              ((CompletionStage<?>) result)
                  .whenComplete((v, e) -> {
                    if (e != null) {
                      LOG.warn("[cluster-client:{}] oneway {} failed", name(), info.description(), e);
                    }
                  });
            }
          } catch (Throwable t) {
            LOG.warn("[cluster-client:{}] oneway {} failed", name(), info.description(), t);
          }
        });
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
    realClient.whenComplete(
        (real, err) -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("success", err == null);
          if (err != null) {
            body.put("error", RemoteErrors.encode(err));
          } else {
            body.put("pid", PID);
          }
          ByteBuf app = encode(connection, body, Map.class);
          if (app == null) {
            connection.drop("cannot encode register_channel_res");
            return;
          }
          if (err == null) {
            connection.bind(this);
            connections.add(connection);
          }
          connection.write(Packet.response(id, timeout, ConnObject.registerChannelRes(), app));
          if (closed) {
            connection.channel().close();
          }
        });
  }

  void disconnected(ServerConnection connection) {
    connections.remove(connection);
  }

  /** A packet from a registered follower; this method owns (and releases) it. Runs on I/O. */
  void onPacket(ServerConnection connection, Packet packet) {
    if (packet.isResponse()) {
      packet.release(); // subscribe_result_res: nothing waits for it
      return;
    }
    String type = packet.conn().type();
    if (ConnObject.HEARTBEAT.equals(type)) {
      long id = packet.id();
      int timeout = packet.timeout();
      packet.release();
      connection.write(Packet.response(id, timeout, ConnObject.heartbeatRes(), Unpooled.EMPTY_BUFFER));
      return;
    }
    if (ConnObject.INVOKE.equals(type)) {
      try {
        worker.execute(() -> serveInvoke(connection, packet));
      } catch (RejectedExecutionException e) {
        packet.release();
        connection.drop("leader is shutting down");
      }
      return;
    }
    packet.release();
    LOG.warn("[cluster-client:{}] unsupported packet type '{}' from {}; ignored", name(), type, connection);
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
        args = decodeArgs(info, packet.app(), argLength);
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
      ((CompletionStage<?>) result)
          .whenCompleteAsync(
              (v, e) -> {
                if (e != null) {
                  replyError(connection, id, timeout, oneway, called, conn.method(), RemoteErrors.unwrap(e));
                } else {
                  reply(connection, id, timeout, oneway, called, v);
                }
              },
              worker);
    } else {
      reply(connection, id, timeout, oneway, called, result);
    }
  }

  private Object[] decodeArgs(MethodInfo info, ByteBuf app, int argLength) throws IOException {
    List<ByteBuf> raw = InvokeArgs.split(app, argLength);
    Type[] types = info.parameterTypes();
    Class<?>[] classes = info.method().getParameterTypes();
    Object[] args = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      Object value = null;
      if (i < raw.size()) {
        try {
          value = codec.decode(new ByteBufInputStream(raw.get(i)), types[i]);
        } catch (IOException | RuntimeException e) {
          throw new ProtocolException(
              "argument " + (i + 1) + " of " + info.description() + " is not a "
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
      app = encodeOrThrow(connection, value, info.resultType());
    } catch (Throwable t) {
      replyError(connection, id, timeout, false, info, info.name(),
          new ClusterException("the leader cannot encode the result of " + info.description() + ": " + t, t));
      return;
    }
    connection.write(Packet.response(id, timeout, ConnObject.invokeResult(true), app));
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
      LOG.warn("[cluster-client:{}] oneway {} from {} failed", name(), what, connection, error);
      return;
    }
    LOG.debug("[cluster-client:{}] {} from {} failed", name(), what, connection, error);
    ByteBuf app = encode(connection, RemoteErrors.encode(error), Map.class);
    if (app == null) {
      connection.drop("cannot encode an error reply");
      return;
    }
    connection.write(Packet.response(id, timeout, ConnObject.invokeResult(false), app));
  }

  private ByteBuf encode(ServerConnection connection, Object value, Type type) {
    try {
      return encodeOrThrow(connection, value, type);
    } catch (Throwable t) {
      LOG.warn("[cluster-client:{}] cannot encode a reply", name(), t);
      return null;
    }
  }

  private ByteBuf encodeOrThrow(ServerConnection connection, Object value, Type type) throws IOException {
    ByteBuf buf = connection.channel().alloc().buffer();
    try {
      codec.encode(value, type, new ByteBufOutputStream(buf));
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

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      server.unregister(this);
    }
    for (ServerConnection c : connections) {
      c.channel().close();
    }
    connections.clear();
    Object real = realClient.getNow(null);
    if (real != null) {
      closeReal(real);
    }
  }

  private void closeReal(Object real) {
    try {
      List<MethodInfo> closers = table.ofKind(DelegateType.CLOSE);
      if (!closers.isEmpty()) {
        Method m = closers.get(0).method();
        Object r = m.invoke(real);
        if (r instanceof CompletionStage) {
          ((CompletionStage<?>) r).toCompletableFuture().join();
        }
      } else if (real instanceof AutoCloseable) {
        ((AutoCloseable) real).close();
      }
    } catch (Throwable t) {
      LOG.warn("[cluster-client:{}] closing the real client failed", name(), RemoteErrors.unwrap(t));
    }
  }
}
