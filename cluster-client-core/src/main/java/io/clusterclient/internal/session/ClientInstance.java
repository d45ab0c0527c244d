package io.clusterclient.internal.session;

import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.ClusterMetrics;
import io.clusterclient.DelegateType;
import io.clusterclient.NotDelegatedException;
import io.clusterclient.Role;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.proxy.ProxyDispatcher;
import io.clusterclient.internal.proxy.ProxyFactory;
import io.clusterclient.internal.proxy.ReturnKind;
import io.clusterclient.spi.ClusterProxy;
import java.lang.reflect.Method;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One instance returned by {@code create}: its proxy's dispatcher and its handle. Instances of one
 * name share a {@link SessionMachine}. Thread-safe.
 */
public final class ClientInstance extends ProxyDispatcher implements ClusterHandle {
  private final SessionMachine session;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object proxy;

  private ClientInstance(SessionMachine session) {
    this.session = session;
    this.proxy = ProxyFactory.create(session.table(), this);
  }

  /**
   * Creates an instance on a session the caller holds one reference on.
   *
   * @param session the session
   * @return the instance
   */
  public static ClientInstance create(SessionMachine session) {
    try {
      return new ClientInstance(session);
    } catch (RuntimeException e) {
      session.release();
      throw e;
    }
  }

  /** @return the proxy the user holds */
  public Object proxy() {
    return proxy;
  }

  @Override
  protected Object dispatch(Object self, Method method, Object[] args) throws Throwable {
    MethodInfo info = session.table().get(method);
    if (info == null) {
      return objectMethod(self, method, args);
    }
    if (info.isOverridden()) {
      return info.overrideValue();
    }
    if (!info.isDelegated()) {
      throw new NotDelegatedException(
          info.description() + " is not delegated, and the real client exists only in the leader "
              + "process: delegate it with .delegate(\"" + info.name() + "\") or @Delegate, or give it "
              + "a value with .override(\"" + info.name() + "\", value)");
    }
    if (info.kind() == DelegateType.CLOSE) {
      close(); // idempotent, like ClusterHandle.close() and AutoCloseable
      return voidResult(info, self);
    }
    if (closed.get()) {
      if (info.returnKind() == ReturnKind.FUTURE) {
        return CompletableFuture.failedFuture(session.closedException());
      }
      throw session.closedException();
    }
    switch (info.kind()) {
      case INVOKE:
        return session.invoke(info, args);
      case INVOKE_ONEWAY:
        session.invokeOneway(info, args);
        return voidResult(info, self);
      case PUBLISH:
        session.publish(info, args);
        return voidResult(info, self);
      case SUBSCRIBE:
        session.subscribe(info, args);
        return voidResult(info, self);
      case UNSUBSCRIBE:
        session.unsubscribe(info, args);
        return voidResult(info, self);
      case CLOSE:
        close();
        return voidResult(info, self);
      default:
        throw new IllegalStateException("unknown kind " + info.kind());
    }
  }

  private static Object voidResult(MethodInfo info, Object self) {
    if (info.returnKind() == ReturnKind.FUTURE) {
      return CompletableFuture.completedFuture(null);
    }
    // Like the original, subscribe(...) and publish(...) may return the client for chaining.
    return info.method().getReturnType().isInstance(self) ? self : null;
  }

  private Object objectMethod(Object self, Method method, Object[] args) {
    if (method.getDeclaringClass() == ClusterProxy.class) {
      return this;
    }
    switch (method.getName()) {
      case "equals":
        return self == args[0];
      case "hashCode":
        return System.identityHashCode(self);
      case "toString":
        return session.table().type().getSimpleName()
            + "[cluster-client '" + session.name() + "', " + role() + "]";
      default:
        throw new NotDelegatedException(method + " is not handled by cluster-client");
    }
  }

  @Override
  public String name() {
    return session.name();
  }

  @Override
  public int port() {
    return session.options().singleMode() ? 0 : session.port();
  }

  @Override
  public CompletableFuture<Void> ready() {
    if (closed.get()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    return session.ready();
  }

  @Override
  public Role role() {
    return closed.get() ? Role.CLOSED : session.role();
  }

  /** @return the session, for tests */
  public SessionMachine session() {
    return session;
  }

  @Override
  public ClusterMetrics metrics() {
    return session.metrics();
  }

  @Override
  public java.util.Optional<io.clusterclient.LeaderInfo> leader() {
    return session.leaderInfo();
  }

  @Override
  public java.util.List<io.clusterclient.FollowerInfo> followers() {
    return session.followers();
  }

  @Override
  public java.util.Set<String> subscriptions() {
    return session.subscriptionKeys();
  }

  @Override
  public int rememberedPublishes() {
    return session.rememberedPublishes();
  }

  @Override
  public CompletableFuture<Boolean> retractPublish(Object reg) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(session.closedException());
    }
    return session.retractPublish(Objects.requireNonNull(reg, "reg"));
  }

  @Override
  public void addListener(ClusterListener listener) {
    addListener(listener, session.callbackExecutor());
  }

  @Override
  public void addListener(ClusterListener listener, Executor executor) {
    session.addListener(this, Objects.requireNonNull(listener, "listener"),
        Objects.requireNonNull(executor, "executor"));
  }

  @Override
  public void removeListener(ClusterListener listener) {
    session.removeListener(this, Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public <T> void addEventListener(
      String name, Class<T> type, io.clusterclient.ClusterEventListener<? super T> listener) {
    addEventListener(name, type, listener, session.callbackExecutor());
  }

  @Override
  public <T> void addEventListener(
      String name, Class<T> type, io.clusterclient.ClusterEventListener<? super T> listener, Executor executor) {
    if (Objects.requireNonNull(name, "name").isEmpty()) {
      throw new IllegalArgumentException("an event's name must not be empty");
    }
    if (closed.get()) {
      throw session.closedException();
    }
    session.eventListeners().add(this, name, type, listener, Objects.requireNonNull(executor, "executor"));
  }

  @Override
  public void removeEventListener(io.clusterclient.ClusterEventListener<?> listener) {
    session.eventListeners().remove(this, Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      session.eventListeners().remove(this, null);
      // Released first: when this is the last instance, its listeners hear CLOSED (the session
      // drops every listener itself once it has told them).
      if (!session.release()) {
        session.removeListener(this, null);
      }
    }
  }

  @Override
  public String toString() {
    return "ClusterHandle[" + session.name() + ", " + role() + "]";
  }
}
