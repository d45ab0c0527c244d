package io.clusterclient.internal.leader;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterOptions;
import io.clusterclient.DelegateType;
import io.clusterclient.RealClientFactory;
import io.clusterclient.internal.follower.FollowerConnection;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.proxy.MethodTable;
import io.clusterclient.internal.session.Backend;
import io.clusterclient.internal.session.BackendEvents;
import io.clusterclient.internal.session.SessionContext;
import io.clusterclient.internal.transport.Transport;
import io.netty.channel.EventLoop;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the leader's code once, for nothing, in a process that follows: a private server on an
 * ephemeral loopback port, a stand-in real client, one follower connection that registers and makes
 * one call, then everything closed. When this process has to take over, the classes are loaded and
 * the lambdas linked: the first run of that code cost more than the election itself. No user code
 * runs: the stand-in answers every method with its type's default value, and the user's factory is
 * never called. It starts no thread: what the leader would run on workers runs inline.
 */
final class LeaderRehearsal {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderRehearsal.class);
  private static final long STEP_SECONDS = 5;
  /** Rehearsals that made their call, for tests. */
  private static final java.util.concurrent.atomic.AtomicInteger COMPLETED =
      new java.util.concurrent.atomic.AtomicInteger();

  private LeaderRehearsal() {}

  /**
   * Starts the rehearsal and returns at once: each step runs when the one before completes, on the
   * runtime's event loop, so no thread waits for it, and a runtime that shuts down meanwhile simply
   * ends it. Never throws.
   *
   * @param session the session that follows
   */
  static void run(SessionContext session) {
    Class<?> type = session.table().type();
    if (!type.isInterface()) {
      return; // no stand-in without running a constructor of the user's class
    }
    Stage stage = new Stage(session, standIn(type));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_SECONDS);
    AtomicReference<Backend> leader = new AtomicReference<>();
    AtomicReference<Backend> follower = new AtomicReference<>();
    try {
      LeaderServer.bind(stage, 0, s -> {})
          .thenCompose(
              server -> {
                if (server == null || session.isClosed()) {
                  return CompletableFuture.<Backend>completedFuture(null);
                }
                stage.port = server.port();
                return LeaderChannel.start(stage, server, NOTHING);
              })
          .thenCompose(
              l -> {
                leader.set(l);
                return l == null || session.isClosed()
                    ? CompletableFuture.<Backend>completedFuture(null)
                    : FollowerConnection.connect(stage, NOTHING, deadline);
              })
          .thenCompose(
              f -> {
                follower.set(f);
                if (f == null) {
                  return CompletableFuture.completedFuture(null);
                }
                // Their descriptions are logged when a process takes over: built once here, too.
                LOG.trace("rehearsal: {} served {}", leader.get().describe(), f.describe());
                MethodInfo call = firstPlainInvoke(session.table());
                if (call == null) {
                  return CompletableFuture.completedFuture(null);
                }
                Object[] args = new Object[call.parameterCount()];
                Class<?>[] classes = call.method().getParameterTypes();
                for (int i = 0; i < args.length; i++) {
                  args[i] = RealClients.defaultValue(classes[i]);
                }
                return f.invokeAsync(call, args, deadline);
              })
          .whenComplete(
              (x, e) -> {
                if (e == null && follower.get() != null) {
                  COMPLETED.incrementAndGet();
                } else if (e != null) {
                  LOG.debug("[cluster-client:{}] rehearsing the leader's code failed", session.name(), e);
                }
                close(follower.get());
                close(leader.get());
              });
    } catch (RuntimeException e) {
      LOG.debug("[cluster-client:{}] rehearsing the leader's code failed", session.name(), e);
    }
  }

  /** @return how many rehearsals in this JVM got as far as their call */
  static int completed() {
    return COMPLETED.get();
  }

  private static void close(Backend b) {
    if (b != null) {
      b.close();
    }
  }

  /** A delegated method that is called and answered, and whose caller waits: the common path. */
  private static MethodInfo firstPlainInvoke(MethodTable table) {
    for (MethodInfo info : table.all()) {
      if (info.isDelegated() && info.kind() == DelegateType.INVOKE && !info.returnKind().isAsync()) {
        return info;
      }
    }
    return null;
  }

  private static Object standIn(Class<?> type) {
    return Proxy.newProxyInstance(
        type.getClassLoader(),
        new Class<?>[] {type},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "hashCode":
              return method.getParameterCount() == 0 ? System.identityHashCode(proxy) : null;
            case "equals":
              return method.getParameterCount() == 1 ? proxy == args[0] : null;
            case "toString":
              return method.getParameterCount() == 0 ? "rehearsal stand-in" : null;
            default:
              return RealClients.defaultValue(method.getReturnType());
          }
        });
  }

  private static final BackendEvents NOTHING =
      new BackendEvents() {
        @Override
        public void lost(Throwable cause) {}

        @Override
        public void pushed(String key, byte[] value) {}

        @Override
        public void unresponsive(String what) {}

        @Override
        public void error(Throwable error) {}

        @Override
        public void handingOver() {}
      };

  /** The session, but on a private port and with the stand-in as its real client. */
  private static final class Stage implements SessionContext {
    private final SessionContext session;
    private final Object standIn;
    volatile int port;

    Stage(SessionContext session, Object standIn) {
      this.session = session;
      this.standIn = standIn;
    }

    @Override
    public String name() {
      return "cluster-client-rehearsal";
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public void boundPort(int port) {
      this.port = port;
    }

    @Override
    public MethodTable table() {
      return session.table();
    }

    @Override
    public ClusterCodec codec() {
      return session.codec();
    }

    @Override
    public ClusterOptions options() {
      return session.options();
    }

    @Override
    public RealClientFactory<?> factory() {
      return () -> standIn;
    }

    // Inline: the rehearsal's stand-in never blocks, and a process that just became a follower
    // should not start threads for it (the same methods run; only the thread differs).

    @Override
    public Executor worker() {
      return Runnable::run;
    }

    @Override
    public Executor elections() {
      return Runnable::run;
    }

    @Override
    public Executor callbackExecutor() {
      return Runnable::run;
    }

    @Override
    public io.clusterclient.internal.security.Handshake handshake() {
      return session.handshake(); // the same proof as the real thing, over its private port
    }

    @Override
    public Transport transport() {
      return session.transport().tcp(); // a private ephemeral TCP port, whatever the session's
    }

    @Override
    public EventLoop eventLoop() {
      return session.eventLoop();
    }

    @Override
    public boolean isClosed() {
      return session.isClosed();
    }
  }
}
