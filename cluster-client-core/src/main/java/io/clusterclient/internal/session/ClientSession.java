package io.clusterclient.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterclient.ClusterClosedException;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.ClusterMetrics;
import io.clusterclient.LeaderLostException;
import io.clusterclient.LeaderUnresponsiveException;
import io.clusterclient.RealClientFactory;
import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterException;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.Role;
import io.clusterclient.internal.ClusterRuntime;
import io.clusterclient.internal.SerialExecutor;
import io.clusterclient.internal.codec.JsonCodec;
import io.clusterclient.internal.election.Election;
import io.clusterclient.internal.codec.Regs;
import io.clusterclient.internal.leader.LeaderChannel;
import io.clusterclient.internal.leader.RealClients;
import io.clusterclient.internal.protocol.Keys;
import io.clusterclient.internal.codec.RemoteErrors;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.proxy.MethodTable;
import io.clusterclient.spi.ClientSpec;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client name in this process: shared by every instance created with that name, it runs the
 * election, holds the current {@link Backend} and starts a new election when the leader is lost.
 * Thread-safe.
 */
public final class ClientSession {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
  private static final long FIRST_RETRY_MILLIS = 500;
  private static final long MAX_RETRY_MILLIS = 30_000;

  private final SessionRegistry registry;
  private final SessionRegistry.Key key;
  private final ClientSpec<?> spec;
  private final MethodTable table;
  private final ClusterOptions options;
  private final ClusterCodec codec;
  private final ClusterRuntime runtime;
  private final RealClientFactory<?> factory;
  private final Executor callbackExecutor;
  private final Object lock = new Object();
  private final Subscriptions subscriptions;
  private final CopyOnWriteArrayList<ListenerRegistration> listeners = new CopyOnWriteArrayList<>();

  private volatile CompletableFuture<Backend> current = new CompletableFuture<>();
  private volatile Backend backend;
  private volatile boolean closed;
  private volatile int port;
  private volatile Throwable lastFailure;
  private volatile String unresponsive;
  private long retryDelayMillis = FIRST_RETRY_MILLIS;
  private volatile boolean warmedUp;
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong elections = new AtomicLong();
  private int refs;

  ClientSession(
      SessionRegistry registry, SessionRegistry.Key key, ClientSpec<?> spec, MethodTable table) {
    this.registry = registry;
    this.key = key;
    this.spec = spec;
    this.table = table;
    this.options = spec.options();
    this.codec = options.codec().orElse(JsonCodec.shared());
    // Checked in every process, so that a follower reports a constructor that does not fit too.
    this.factory = RealClients.factoryOf(spec);
    this.runtime = ClusterRuntime.acquire();
    Executor worker = runtime.worker();
    this.callbackExecutor =
        options
            .callbackExecutor()
            .<Executor>map(
                user ->
                    task -> {
                      try {
                        user.execute(task);
                      } catch (java.util.concurrent.RejectedExecutionException e) {
                        // Never dropped, never on an I/O thread: the library's workers take it.
                        worker.execute(task);
                      }
                    })
            .orElse(worker);
    this.port = key.port();
    this.subscriptions =
        new Subscriptions(codec, new SerialExecutor(callbackExecutor), this::reportError);
  }

  private record ListenerRegistration(
      ClusterHandle handle, ClusterListener listener, Executor executor) {}

  void start() {
    electNow();
  }

  private void electNow() {
    try {
      runtime.elections().execute(this::elect);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the runtime is shutting down with the last client
    }
  }

  boolean retain() {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      refs++;
      return true;
    }
  }

  /** Drops one instance; the last one leaves the cluster and stops this process's threads. */
  void release() {
    Backend b;
    synchronized (lock) {
      if (closed || --refs > 0) {
        return;
      }
      closed = true;
      b = backend;
      backend = null;
    }
    registry.remove(this);
    current.completeExceptionally(closedException());
    fireRole(Role.CLOSED);
    listeners.clear();
    try {
      if (b != null) {
        b.close();
      }
    } finally {
      runtime.release();
    }
  }

  private void elect() {
    CompletableFuture<Backend> round = current;
    elections.incrementAndGet();
    Backend b;
    try {
      b = Election.run(this);
    } catch (Throwable t) {
      if (closed) {
        round.completeExceptionally(closedException());
        return;
      }
      lastFailure = t;
      round.completeExceptionally(t);
      reportError(t);
      retryLater();
      return;
    }
    Backend elected = b;
    synchronized (lock) {
      if (!closed) {
        if (!elected.isAlive()) {
          // Lost between registering and now: nothing else will notice, so elect again.
          b.close();
          elections.decrementAndGet();
          electNow();
          return;
        }
        backend = b;
        b = null;
        lastFailure = null;
        unresponsive = null;
        retryDelayMillis = FIRST_RETRY_MILLIS;
        // Before ready again: the new leader gets every subscription, then every publish.
        subscriptions.replay(elected, this::reportError);
      }
    }
    if (b != null) {
      b.close(); // closed while electing
      return;
    }
    LOG.info("[cluster-client:{}] {} ({})", name(), elected.role(), elected.describe());
    fireRole(elected.role());
    round.complete(elected);
    if (elected.role() == Role.FOLLOWER && !warmedUp) {
      warmedUp = true; // this election thread is done: it prepares this process to lead
      LeaderChannel.warmUp(this);
    }
  }

  /**
   * A failed round is not the end: the next one may find a leader, or a real client that can be
   * created. Calls fail fast with the last failure meanwhile.
   */
  private void retryLater() {
    long delay;
    synchronized (lock) {
      if (closed) {
        return;
      }
      current = new CompletableFuture<>();
      delay = retryDelayMillis;
      retryDelayMillis = Math.min(retryDelayMillis * 2, MAX_RETRY_MILLIS);
    }
    LOG.info("[cluster-client:{}] electing again in {} ms", name(), delay);
    try {
      runtime.transport().group().schedule(this::electNow, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down
    }
  }

  /**
   * Records that the port's holder accepts connections but does not answer, so that calls fail fast.
   *
   * @param description what was seen, for the exception
   */
  public void holderUnresponsive(String description) {
    unresponsive = description;
  }

  /**
   * Called by a backend that stopped serving through no action of ours (the leader went away).
   *
   * @param lost the backend
   * @param cause why, for the log
   */
  public void backendLost(Backend lost, Throwable cause) {
    synchronized (lock) {
      if (closed || backend != lost) {
        return;
      }
      backend = null;
      current = new CompletableFuture<>();
    }
    LOG.warn(
        "[cluster-client:{}] lost {}: {}; electing a new leader",
        name(),
        lost.describe(),
        cause == null ? "connection closed" : cause.getMessage());
    fireRole(Role.ELECTING);
    electNow();
  }

  // ---- calls from the proxies ----

  Object invoke(MethodInfo info, Object[] args) throws Throwable {
    if (info.returnKind().isAsync()) {
      CompletableFuture<Object> out = new CompletableFuture<>();
      invokeAsyncOnce(info, args)
          .whenComplete(
              (v, e) -> {
                Throwable cause = e == null ? null : RemoteErrors.unwrap(e);
                if (cause instanceof LeaderLostException && info.isIdempotent()) {
                  retried.incrementAndGet();
                  invokeAsyncOnce(info, args).whenComplete((v2, e2) -> settle(out, v2, e2));
                } else {
                  settle(out, v, e);
                }
              });
      return out;
    }
    try {
      Object result;
      try {
        result = awaitBackend(info).invokeSync(info, args);
      } catch (LeaderLostException e) {
        if (!info.isIdempotent()) {
          throw e;
        }
        // The connection closed with the call in flight; the new round has already begun.
        retried.incrementAndGet();
        result = awaitBackend(info).invokeSync(info, args);
      }
      succeeded.incrementAndGet();
      return result;
    } catch (Throwable t) {
      failed.incrementAndGet();
      throw t;
    }
  }

  private void settle(CompletableFuture<Object> out, Object value, Throwable error) {
    if (error != null) {
      failed.incrementAndGet();
      out.completeExceptionally(RemoteErrors.unwrap(error));
    } else {
      succeeded.incrementAndGet();
      out.complete(value);
    }
  }

  ClusterMetrics metrics() {
    return new ClusterMetrics(succeeded.get(), failed.get(), retried.get(), elections.get());
  }

  private CompletableFuture<Object> invokeAsyncOnce(MethodInfo info, Object[] args) {
    CompletableFuture<Backend> round = current;
    if (round.isDone() && !round.isCompletedExceptionally()) {
      return round.join().invokeAsync(info, args);
    }
    Throwable fast = failFast(info);
    if (fast != null) {
      return CompletableFuture.failedFuture(fast);
    }
    CompletableFuture<Object> out = new CompletableFuture<>();
    // The library's own timer, not orTimeout: that one starts a JDK thread that never ends.
    CompletableFuture<Backend> bounded = round.copy();
    java.util.concurrent.ScheduledFuture<?> timer =
        runtime.transport().group().schedule(
            () -> bounded.completeExceptionally(new TimeoutException()),
            options.responseTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
    bounded.whenComplete((b, e) -> timer.cancel(false));
    bounded.whenCompleteAsync(
        (b, e) -> {
          if (e != null) {
            out.completeExceptionally(notReady(info, e));
          } else {
            b.invokeAsync(info, args)
                .whenComplete(
                    (v, e2) -> {
                      if (e2 != null) {
                        out.completeExceptionally(RemoteErrors.unwrap(e2));
                      } else {
                        out.complete(v);
                      }
                    });
          }
        },
        callbackExecutor);
    return out;
  }

  void invokeOneway(MethodInfo info, Object[] args) {
    try {
      awaitBackend(info).invokeOneway(info, args);
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new ClusterException(t.getMessage(), t);
    }
  }

  void subscribe(MethodInfo info, Object[] args) {
    JsonNode reg = Regs.toTree(args[0], info.parameterTypes()[0]);
    String key = Keys.subscriptionKey(reg);
    boolean first;
    synchronized (lock) {
      first = subscriptions.add(key, reg, info, args[1]);
      if (first && backend != null) {
        backend.subscribe(key, reg);
      }
    }
    Duration limit = options.subscribeTimeout().orElse(null);
    if (first && limit != null) {
      runtime.transport().group().schedule(
          () -> {
            if (!closed && !subscriptions.hasValueOrGone(key)) {
              reportError(new ClusterTimeoutException(
                  "no value for " + key + " within subscribeTimeout " + limit.toMillis()
                      + " ms; a value that comes later is still delivered", limit));
            }
          },
          limit.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  void unsubscribe(MethodInfo info, Object[] args) {
    JsonNode reg = Regs.toTree(args[0], info.parameterTypes()[0]);
    String key = Keys.subscriptionKey(reg);
    synchronized (lock) {
      if (subscriptions.remove(key, args.length > 1 ? args[1] : null) && backend != null) {
        backend.unsubscribe(key, reg);
      }
    }
  }

  void publish(MethodInfo info, Object[] args) {
    String key = Keys.subscriptionKey(Regs.toTree(args[0], info.parameterTypes()[0]));
    synchronized (lock) {
      subscriptions.recordPublish(key, info, args);
      if (backend != null) {
        backend.invokeOneway(info, args);
      }
      // Without a leader now, the replay after the election sends it.
    }
  }

  /**
   * A value the leader pushed for a registration key; cached and handed to this process's listeners.
   *
   * @param key the registration key
   * @param value the value's bytes, owned by the callee from now on
   */
  public void push(String key, byte[] value) {
    subscriptions.push(key, value);
  }

  // ---- listeners ----

  void addListener(ClusterHandle handle, ClusterListener listener, Executor executor) {
    listeners.add(new ListenerRegistration(handle, listener, new SerialExecutor(executor)));
  }

  void removeListener(ClusterHandle handle, ClusterListener listener) {
    listeners.removeIf(r -> r.handle == handle && (listener == null || r.listener == listener));
  }

  private void fireRole(Role role) {
    for (ListenerRegistration r : listeners) {
      r.executor.execute(() -> r.listener.roleChanged(r.handle, role));
    }
  }

  /**
   * Reports an error that no caller receives to the listeners, and to the log when there is none.
   *
   * @param error the error
   */
  public void reportError(Throwable error) {
    if (listeners.isEmpty()) {
      LOG.warn("[cluster-client:{}] {}", name(), error.getMessage(), error);
      return;
    }
    for (ListenerRegistration r : listeners) {
      r.executor.execute(() -> r.listener.error(r.handle, error));
    }
  }

  /**
   * The exception that fails a call at once while there is no leader: the port's holder does not
   * answer, or the last round failed. Null when the call should wait for the election instead.
   */
  private ClusterException failFast(MethodInfo info) {
    String hung = unresponsive;
    if (hung != null) {
      return new LeaderUnresponsiveException(info.description() + " cannot run: " + hung);
    }
    Throwable failed = lastFailure;
    if (failed != null) {
      return new ClusterException(
          info.description() + " cannot run: '" + name() + "' is not ready: " + failed.getMessage()
              + " (electing again)", failed);
    }
    return null;
  }

  private Backend awaitBackend(MethodInfo info) throws Throwable {
    CompletableFuture<Backend> round = current;
    if (round.isDone() && !round.isCompletedExceptionally()) {
      return round.join();
    }
    Throwable fast = failFast(info);
    if (fast != null) {
      throw fast;
    }
    if (inEventLoop()) {
      throw new ClusterException(
          info.description() + " would block an I/O thread of cluster-client while waiting for a "
              + "leader; call it from another thread");
    }
    try {
      return round.get(options.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw notReady(info, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException(info.description() + " was interrupted while waiting for a leader", e);
    }
  }

  private Throwable notReady(MethodInfo info, Throwable e) {
    Throwable cause = RemoteErrors.unwrap(e);
    if (cause instanceof TimeoutException) {
      return new ClusterTimeoutException(
          info.description() + " waited responseTimeout " + options.responseTimeout().toMillis()
              + " ms for a leader of '" + name() + "' on 127.0.0.1:" + port
              + ", but the election has not finished; wait for ready() or raise responseTimeout",
          options.responseTimeout());
    }
    if (cause instanceof ClusterClosedException) {
      return cause;
    }
    return new ClusterException(
        info.description() + " cannot run: '" + name() + "' is not ready: " + cause.getMessage(), cause);
  }

  boolean inEventLoop() {
    for (EventExecutor e : runtime.transport().group()) {
      if (e.inEventLoop()) {
        return true;
      }
    }
    return false;
  }

  // ---- state ----

  /** @return the future of the current election round */
  CompletableFuture<Void> ready() {
    CompletableFuture<Void> out = new CompletableFuture<>();
    current.whenComplete(
        (b, e) -> {
          if (e != null) {
            out.completeExceptionally(e instanceof CompletionException ? e.getCause() : e);
          } else {
            out.complete(null);
          }
        });
    return out;
  }

  Role role() {
    if (closed) {
      return Role.CLOSED;
    }
    Backend b = backend;
    return b == null ? Role.ELECTING : b.role();
  }

  /** @return the client name */
  public String name() {
    return key.name();
  }

  /** @return the election port, the bound one when 0 was asked for */
  public int port() {
    return port;
  }

  /**
   * Records the port actually bound, when 0 was asked for.
   *
   * @param port the bound port
   */
  public void boundPort(int port) {
    this.port = port;
  }

  /** @return whether the last instance was closed */
  public boolean isClosed() {
    return closed;
  }

  /** @return what creates the real client, in the leader only */
  public RealClientFactory<?> factory() {
    return factory;
  }

  /** @return the builder's description */
  public ClientSpec<?> spec() {
    return spec;
  }

  /** @return the methods of the client type */
  public MethodTable table() {
    return table;
  }

  /** @return the options */
  public ClusterOptions options() {
    return options;
  }

  /** @return the codec of application objects */
  public ClusterCodec codec() {
    return codec;
  }

  /** @return this process's threads */
  public ClusterRuntime runtime() {
    return runtime;
  }

  /** @return where asynchronous results and callbacks run */
  public Executor callbackExecutor() {
    return callbackExecutor;
  }

  /** @return the registry of this process */
  public SessionRegistry registry() {
    return registry;
  }

  SessionRegistry.Key key() {
    return key;
  }

  /** @return the exception of calls after close */
  public ClusterClosedException closedException() {
    return new ClusterClosedException(
        "cluster client '" + name() + "' (" + table.type().getSimpleName() + ") is closed; "
            + "create a new instance to use it again");
  }

  static void checkType(ClientSession existing, ClientSpec<?> spec) {
    if (existing.table.type() != spec.type()) {
      throw new ClusterConfigurationException(
          "cluster client name '" + existing.name() + "' on port " + existing.key.port()
              + " is already used by " + existing.table.type().getName() + " in this process; "
              + spec.type().getName() + " needs a name of its own (ClusterOptions.name)");
    }
  }
}
