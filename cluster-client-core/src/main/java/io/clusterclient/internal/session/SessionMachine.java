package io.clusterclient.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterclient.ClusterClosedException;
import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterException;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.ClusterMetrics;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.LeaderLostException;
import io.clusterclient.LeaderUnresponsiveException;
import io.clusterclient.RealClientFactory;
import io.clusterclient.Role;
import io.clusterclient.internal.CallbackFuture;
import io.clusterclient.internal.SerialExecutor;
import io.clusterclient.internal.codec.Regs;
import io.clusterclient.internal.codec.RemoteErrors;
import io.clusterclient.internal.protocol.Keys;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.proxy.MethodTable;
import io.clusterclient.internal.transport.Transport;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * One client name of one runtime, as a state machine. Every field of the session's state is owned
 * by one thread, its {@link SessionLoop}; user threads and I/O threads only post events to it and
 * read the {@link View} it publishes. No lock is shared with user code.
 *
 * <h2>States and transitions</h2>
 *
 * An <em>epoch</em> numbers every attempt to lead or follow. A result or a backend event carries the
 * epoch that asked for it; one of an older epoch is stale: it is dropped, and a backend it carries is
 * closed.
 *
 * <pre>
 *   state          event (of the current epoch e)     next           action
 *   -------------  ---------------------------------  -------------  -------------------------------------
 *   ELECTING       lead -> backend                    LEADING        replay; open the gate; tell LEADER
 *   ELECTING       lead -> port held elsewhere        ELECTING       follow (epoch e)
 *   ELECTING       follow -> backend                  FOLLOWING      replay; open the gate; tell FOLLOWER
 *   ELECTING       follow -> no leader                ELECTING       attempt again (e+1) after a backoff
 *                                                                    of 1 ms doubling to 500 ms
 *   ELECTING       no leader by maxWaitTime, or the   ELECTING       fail the gate (ready() fails, calls
 *                  real client / holder failed                       fail fast); attempt again after 0.5 s
 *                                                                    doubling to 30 s
 *   LEADING,       lost                               ELECTING       new gate; tell ELECTING; attempt
 *   FOLLOWING                                                        (e+1) at once
 *   any            close (last instance)              CLOSED         fail the gate; close the backend;
 *                                                                    tell CLOSED
 *   any            event of another epoch             unchanged      drop it; close a backend it carries
 * </pre>
 *
 * A lost event that arrives before the result of its own epoch is remembered, and that result is
 * then treated as lost at once. Role listeners hear exactly these transitions, in this order.
 */
public final class SessionMachine implements SessionContext {
  private static final Logger LOG = LoggerFactory.getLogger(SessionMachine.class);
  private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long FIRST_RETRY_MILLIS = 500;
  private static final long MAX_RETRY_MILLIS = 30_000;
  private static final long CLOSE_WAIT_SECONDS = 15;

  /** The phases of the state machine; {@link Role} is what users see of them. */
  public enum Phase {
    ELECTING(Role.ELECTING),
    LEADING(Role.LEADER),
    FOLLOWING(Role.FOLLOWER),
    CLOSED(Role.CLOSED);

    final Role role;

    Phase(Role role) {
      this.role = role;
    }

    boolean isLive() {
      return this == LEADING || this == FOLLOWING;
    }
  }

  /**
   * What other threads may read of the state, published as one immutable value.
   *
   * @param phase the phase
   * @param epoch the epoch of the backend, or of the attempt in progress
   * @param backend the backend while live, else null
   * @param gate completes with the backend when the session is next live
   * @param fastFailure while electing, why calls should fail at once instead of waiting; or null
   * @param ended while live, completes when this backend is given up (lost or closed)
   */
  record View(
      Phase phase,
      long epoch,
      Backend backend,
      CompletableFuture<Backend> gate,
      ClusterException fastFailure,
      CompletableFuture<Void> ended) {
    View(Phase phase, long epoch, Backend backend, CompletableFuture<Backend> gate, ClusterException fast) {
      this(phase, epoch, backend, gate, fast, ENDED);
    }
  }

  /** The {@code ended} of views that are not live: there is nothing to wait for. */
  private static final CompletableFuture<Void> ENDED = CompletableFuture.completedFuture(null);

  /**
   * What identifies a session in a runtime.
   *
   * @param single single mode
   * @param port the port asked for
   * @param name the client name
   * @param type the client type, which must be the same for every create of a key
   */
  public record Key(
      boolean single, int port, String name, Class<?> type, io.clusterclient.ClusterTransport transport) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && k.single == single
          && k.port == port
          && k.name.equals(name)
          && k.transport == transport;
    }

    @Override
    public int hashCode() {
      return (name.hashCode() * 31 + port) * 31 + transport.hashCode() + (single ? 1 : 0);
    }
  }

  /** What a session needs of the runtime it lives in. */
  public interface Host {
    /** @return the loop for a new session */
    EventLoop nextLoop();

    /** @return the runtime's name, which tells apart its clients from other runtimes' (JMX) */
    default String runtimeName() {
      return "runtime";
    }

    /** @return the sockets */
    Transport transport();

    /** @return the worker pool */
    Executor worker();

    /**
     * @return runs the real client's creation and close and other slow work of an election:
     *     never queued behind user callbacks on the workers
     */
    Executor elections();

    /**
     * Forgets a session whose last instance closed.
     *
     * @param session the session
     */
    void remove(SessionMachine session);

    /**
     * Whether the calling thread belongs to the runtime: it must not wait for the runtime's work.
     *
     * @return true on a runtime thread
     */
    boolean isOwnThread();

    /** @return whether the calling thread is an I/O thread of the runtime: it must never wait */
    boolean isIoThread();

    /**
     * Prepares this process to lead soon, off the critical path: called once, on a worker, when a
     * session first follows. Never throws.
     *
     * @param session the session
     */
    void warmUp(SessionMachine session);

    /**
     * The elector of a session.
     *
     * @param session the session
     * @return how it competes for its port
     */
    Elector electorFor(SessionMachine session);
  }

  private final Key key;
  private final MethodTable table;
  private final ClusterOptions options;
  private final ClusterCodec codec;
  private final RealClientFactory<?> factory;
  private final Host host;
  private final EventLoop eventLoop;
  private final SessionLoop loop;
  private final Executor worker;
  private final Executor electionWork;
  private final Executor callbackExecutor;
  private final Subscriptions subscriptions;
  private final EventListeners eventListeners;
  private final CopyOnWriteArrayList<ListenerRegistration> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Meters meters = new Meters();
  private final Traffic traffic = new Traffic();
  /** When the live leader was lost ({@code loop.nanoTime()}); 0 when none is being replaced. Loop only. */
  private long lostAtNanos;
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong elections = new AtomicLong();
  private Elector elector; // set at start
  private volatile View view;
  /** The sockets of this session: the runtime's TCP, or a Unix socket in the run directory. */
  private final Transport transport;
  /** Over TCP, the proof that peers know the owner's secret; null where none is asked for. */
  private final io.clusterclient.internal.security.Handshake handshake;

  private static io.clusterclient.internal.security.Handshake handshakeOf(ClusterOptions options) {
    java.nio.file.Path dir =
        io.clusterclient.internal.transport.RunDirectory.prepare(options, "authenticating peers over TCP");
    int uid;
    try {
      uid = io.clusterclient.internal.transport.RunDirectory.ownUid();
    } catch (java.io.IOException e) {
      throw new io.clusterclient.ClusterConfigurationException("cannot tell this process's uid: " + e, e);
    }
    return new io.clusterclient.internal.security.Handshake(
        io.clusterclient.internal.security.ClusterSecret.load(dir, uid));
  }
  private volatile int port;
  private volatile boolean closing;
  private int refs; // guarded by this

  // ---- owned by the loop ----
  private long epoch;
  private long lostEarly = -1;
  private long roundDeadline;
  private long backoffNanos = MIN_BACKOFF_NANOS;
  private long retryDelayMillis = FIRST_RETRY_MILLIS;
  private Runnable cancelRetry = () -> {};
  /** The lead or follow attempt under way, whose result the close must wait for. */
  private CompletableFuture<Backend> inFlight = CompletableFuture.completedFuture(null);
  private boolean inFlightFollows;
  private boolean warmedUp;
  /**
   * While electing after a handover: the live view of the leader that hands over, which still
   * answers calls until the next leader is live; then it is retired. Null otherwise. Written on the
   * loop, read by callers.
   */
  private volatile View interim;
  /** What the current backend has been told about, by key. */
  private final Map<String, Subscriptions.Registration> told = new HashMap<>();
  /** The keys of {@link #published}, readable from any thread, to bound it on the caller's. */
  private final java.util.Set<String> remembered =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** What this process published, by key, in the order of the latest publish of each key. */
  private final LinkedHashMap<String, Published> published = new LinkedHashMap<>();

  /** A listener, and whether it has been told the role it joined in; the loop tells it. */
  private static final class ListenerRegistration {
    final ClusterHandle handle;
    final ClusterListener listener;
    final Executor executor;
    boolean primed; // on the loop

    ListenerRegistration(ClusterHandle handle, ClusterListener listener, Executor executor) {
      this.handle = handle;
      this.listener = listener;
      this.executor = executor;
    }
  }

  /**
   * Creates a session; {@link #start()} starts its first election.
   *
   * @param key the key
   * @param table the methods of the client type
   * @param options the options
   * @param factory creates the real client in the leader
   * @param host the runtime
   * @param loop the loop the state lives on; null for the event loop the host gives
   */
  public SessionMachine(
      Key key,
      MethodTable table,
      ClusterOptions options,
      RealClientFactory<?> factory,
      Host host,
      SessionLoop loop) {
    this.key = key;
    this.table = table;
    this.options = options;
    this.codec = options.codec().orElse(io.clusterclient.internal.codec.JsonCodec.shared());
    this.factory = factory;
    this.host = host;
    this.transport =
        options.transport() == io.clusterclient.ClusterTransport.UNIX && !key.single()
            ? io.clusterclient.internal.transport.UnixTransport.of(host.transport(), options)
            : host.transport();
    this.handshake =
        options.transport() == io.clusterclient.ClusterTransport.TCP
                && !key.single()
                && !options.allowUnauthenticated()
            ? handshakeOf(options)
            : null;
    this.eventLoop = host.nextLoop();
    this.loop = loop != null ? loop : SessionLoop.of(eventLoop);
    this.worker = host.worker();
    Executor chosen = options.callbackExecutor().orElse(worker);
    this.callbackExecutor =
        task -> {
          try {
            chosen.execute(task);
          } catch (java.util.concurrent.RejectedExecutionException e) {
            // Never dropped, never on an I/O thread: the library's workers take it, or, while
            // the runtime shuts down, a thread of its own.
            lateCallback(chosen == worker ? null : worker, task);
          }
        };
    this.port = key.port();
    this.electionWork = host.elections();
    this.subscriptions = new Subscriptions(codec, callbackExecutor, this::reportError);
    this.eventListeners = new EventListeners(codec, this::reportError);
    this.view = new View(Phase.ELECTING, 0, null, new CompletableFuture<>(), null);
  }

  private static void lateCallback(Executor worker, Runnable task) {
    if (worker != null) {
      try {
        worker.execute(task);
        return;
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shut down as well
      }
    }
    Thread t = new Thread(task, "cluster-client-late-callback");
    t.setDaemon(true);
    t.start();
  }

  // ---- references ----

  /**
   * Takes one more reference, unless the session is closing.
   *
   * @return false when closing: make a new session
   */
  public synchronized boolean retain() {
    if (closing) {
      return false;
    }
    refs++;
    return true;
  }

  /**
   * Drops one instance; the last one leaves the cluster. Waits (bounded) until the port is free and
   * the real client closed, unless called from a runtime thread.
   *
   * @return whether this closed the session
   */
  public boolean release() {
    synchronized (this) {
      if (closing || --refs > 0) {
        return false;
      }
    }
    closeNow();
    return true;
  }

  /**
   * Closes whatever the number of instances: the last release, or the runtime's close. From then
   * on a {@code create} of the same key makes a new session. Waits (bounded) until the backend is
   * closed, unless called from a thread of the runtime, which must not wait for its own work.
   */
  public CompletableFuture<Void> closeNow() {
    // Waits even when another thread began the close: a shutdown hook that returned early would
    // let the JVM halt in the middle of a handover that, say, the main thread started.
    beginClose();
    return awaitClosed();
  }

  /**
   * Starts the close without waiting for it: a runtime closing several sessions lets them hand
   * over side by side, then waits with {@link #awaitClosed()}.
   *
   * @return false when the session was closing already
   */
  public boolean beginClose() {
    synchronized (this) {
      if (closing) {
        return false;
      }
      closing = true;
    }
    try {
      loop.execute(this::onClose);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      onClose(); // the loop is gone already: nothing else runs on it
    }
    return true;
  }

  /**
   * Waits (bounded) until a close begun is done, unless called from a thread of the runtime, which
   * must not wait for its own work; then lets the runtime forget the session.
   *
   * @return completes when closed
   */
  public CompletableFuture<Void> awaitClosed() {
    if (host.isOwnThread() || loop.inLoop()) {
      // A thread of the runtime cannot wait for the runtime's own work.
      closed.whenComplete((x, e) -> host.remove(this));
      return closed;
    }
    try {
      closed.get(
          TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS) + options.handoverTimeout().toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn(
          "[cluster-client:{}] closing took more than {} s past handoverTimeout; going on",
          name(), CLOSE_WAIT_SECONDS);
    }
    // On this thread, which may wait: if this was the default runtime's last session, its threads
    // are stopped and waited for here.
    host.remove(this);
    return closed;
  }

  /**
   * Checks that another create of this key asks for the same type.
   *
   * @param other the key of the other create
   */
  public void checkSameType(Key other) {
    if (other.type() != key.type()) {
      throw new ClusterConfigurationException(
          "cluster client name '" + name() + "' on port " + key.port()
              + " is already used by " + key.type().getName() + " in this process; "
              + other.type().getName() + " needs a name of its own (ClusterOptions.name)");
    }
  }

  // ---- the machine ----

  /**
   * Its runtime halted under it (a test's stand-in for a process that died): releases what outlives
   * the runtime, its shutdown hook and its MBean, without closing anything else.
   */
  public void abandon() {
    closed.complete(null);
  }

  /** Starts the first election. */
  public void start() {
    this.elector = host.electorFor(this);
    if (options.closeOnShutdown()) {
      installShutdownHook();
    }
    if (options.jmx()) {
      ClusterClientJmx bean = ClusterClientJmx.register(this, host.runtimeName());
      if (bean != null) {
        closed.whenComplete((x, e) -> bean.unregister());
      }
    }
    loop.execute(
        () -> {
          if (view.phase() == Phase.ELECTING && !closing) {
            startRound();
            attempt();
          }
        });
  }

  /**
   * On SIGTERM or {@code System.exit}: closes, so that a leader hands over. The hook thread may wait:
   * the JVM exits once every hook has returned.
   */
  private void installShutdownHook() {
    Thread hook = new Thread(this::closeNow, "cluster-client-shutdown-" + name());
    try {
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (IllegalStateException e) {
      return; // already shutting down
    }
    closed.whenComplete(
        (x, e) -> {
          if (Thread.currentThread() != hook) {
            try {
              Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
              // the hook runs, or has run: nothing to remove
            }
          }
        });
  }

  private boolean isCurrent(long e) {
    return e == epoch && view.phase() != Phase.CLOSED;
  }

  private void startRound() {
    roundDeadline = loop.nanoTime() + options.maxWaitTime().toNanos();
    backoffNanos = MIN_BACKOFF_NANOS;
    elections.incrementAndGet();
  }

  private void attempt() {
    long e = ++epoch;
    View v = view;
    view = new View(Phase.ELECTING, e, null, v.gate(), v.fastFailure());
    Boolean forced = options.leader().orElse(null);
    if (options.singleMode() || !Boolean.FALSE.equals(forced)) {
      inFlight = elector.lead(events(e));
      inFlightFollows = false;
      inFlight.whenComplete((b, err) -> post(() -> onLead(e, b, err), b));
    } else {
      follow(e);
    }
  }

  private void follow(long e) {
    inFlight = elector.follow(events(e), roundDeadline);
    inFlightFollows = true;
    inFlight.whenComplete((b, err) -> post(() -> onFollow(e, b, err), b));
  }

  /** Runs an event on the loop; when the loop is gone, closes the backend the event carries. */
  private void post(Runnable event, Backend carried) {
    try {
      loop.execute(event);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      if (carried != null) {
        carried.close();
      }
    }
  }

  /** Whether a result belongs to an attempt the machine has moved past; it then closes its backend. */
  private boolean droppedAsStale(long e, Backend b) {
    if (isCurrent(e)) {
      return false;
    }
    if (b != null) {
      b.close();
    }
    return true;
  }

  private void onLead(long e, Backend b, Throwable err) {
    if (droppedAsStale(e, b)) {
      return;
    }
    if (err != null) {
      roundFailed(RemoteErrors.unwrap(err));
    } else if (b != null) {
      becomeLive(Phase.LEADING, b, e);
    } else if (Boolean.TRUE.equals(options.leader().orElse(null))) {
      roundFailed(
          new ClusterConfigurationException(
              "leader(true) was asked for '" + name() + "', but " + transport.describe(port)
                  + " is held by another process; stop it, choose another port, or let this "
                  + "process follow (leader unset)"));
    } else {
      follow(e);
    }
  }

  private void onFollow(long e, Backend b, Throwable err) {
    if (droppedAsStale(e, b)) {
      return;
    }
    if (b != null) {
      becomeLive(Phase.FOLLOWING, b, e);
      return;
    }
    Throwable cause = RemoteErrors.unwrap(err);
    if (!(cause instanceof Elector.NoLeaderException)) {
      roundFailed(cause);
      return;
    }
    long now = loop.nanoTime();
    if (now - roundDeadline >= 0) {
      roundFailed(
          new ClusterTimeoutException(
              "no leader for '" + name() + "' on " + transport.describe(port) + " within maxWaitTime "
                  + options.maxWaitTime().toMillis() + " ms (last attempt: " + cause.getMessage()
                  + "); start a leader, or raise maxWaitTime",
              options.maxWaitTime()));
      return;
    }
    LOG.debug("[cluster-client:{}] no leader yet: {}", name(), cause.getMessage());
    long delay = Math.min(backoffNanos, roundDeadline - now);
    backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
    retryAfter(delay, false);
  }

  private void retryAfter(long delayNanos, boolean newRound) {
    long asked = epoch;
    cancelRetry =
        loop.schedule(
            () -> {
              if (isCurrent(asked) && view.phase() == Phase.ELECTING) {
                if (newRound) {
                  startRound();
                }
                attempt();
              }
            },
            delayNanos);
  }

  private void becomeLive(Phase phase, Backend b, long e) {
    if (lostEarly == e) {
      // Its connection closed before this result came: as if lost right after.
      b.close();
      startRound();
      attempt();
      return;
    }
    told.clear();
    // Before the gate opens: the new leader gets every subscription, then every publish.
    for (Subscriptions.Registration r : subscriptions.all()) {
      tell(b, r);
    }
    for (Published p : published.values()) {
      try {
        b.publish(p);
      } catch (RuntimeException ex) {
        reportError(ex);
      }
    }
    CompletableFuture<Backend> gate = view.gate();
    view = new View(phase, e, b, CompletableFuture.completedFuture(b), null, new CompletableFuture<>());
    retryDelayMillis = FIRST_RETRY_MILLIS;
    if (lostAtNanos != 0) {
      meters.failover(loop.nanoTime() - lostAtNanos);
      lostAtNanos = 0;
    }
    LOG.info("[cluster-client:{}] {} ({})", name(), phase.role, b.describe());
    fireRole(phase.role);
    gate.complete(b);
    endInterim(false);
    if (phase == Phase.FOLLOWING && !warmedUp) {
      warmedUp = true;
      host.elections().execute(() -> host.warmUp(this));
    }
  }

  private void tell(Backend b, Subscriptions.Registration r) {
    try {
      b.subscribe(r.key(), r.reg());
      told.put(r.key(), r);
    } catch (RuntimeException ex) {
      reportError(ex);
    }
  }

  /**
   * The round ended without a role: fail what waits for it, and try again later. Calls fail fast
   * with the cause meanwhile.
   */
  private void roundFailed(Throwable cause) {
    ClusterException fast =
        cause instanceof LeaderUnresponsiveException
            ? (ClusterException) cause
            : new ClusterException(
                "'" + name() + "' is not ready: " + cause.getMessage() + " (electing again)", cause);
    CompletableFuture<Backend> gate = view.gate();
    view = new View(Phase.ELECTING, epoch, null, new CompletableFuture<>(), fast);
    gate.completeExceptionally(cause);
    reportError(cause);
    long delay = retryDelayMillis;
    retryDelayMillis = Math.min(retryDelayMillis * 2, MAX_RETRY_MILLIS);
    LOG.info("[cluster-client:{}] electing again in {} ms", name(), delay);
    retryAfter(TimeUnit.MILLISECONDS.toNanos(delay), true);
  }

  private void onLost(long e, Throwable cause) {
    View i = interim;
    if (i != null && i.epoch() == e) {
      endInterim(true); // the leader that handed over is gone: calls wait for the next one
      return;
    }
    View v = view;
    if (e != epoch || v.phase() == Phase.CLOSED) {
      return; // stale
    }
    if (!v.phase().isLive()) {
      lostEarly = e; // before its own result: that result is lost on arrival
      return;
    }
    lostAtNanos = loop.nanoTime();
    LOG.warn(
        "[cluster-client:{}] lost {}: {}; electing a new leader",
        name(),
        v.backend().describe(),
        cause == null || cause.getMessage() == null ? String.valueOf(cause) : cause.getMessage());
    v.backend().close();
    elect(v, e);
  }

  /**
   * The leader hands over: it has freed the port, and still answers. The election starts at once;
   * meanwhile the old leader serves calls as the interim, and once the next leader is live its
   * connection is retired, not closed, so no call in flight on it fails.
   */
  private void onHandingOver(long e) {
    View v = view;
    if (e != epoch || v.phase() == Phase.CLOSED) {
      return; // stale
    }
    if (!v.phase().isLive()) {
      lostEarly = e; // nothing was sent on it yet: closing it loses nothing
      return;
    }
    LOG.info("[cluster-client:{}] {} is handing over; electing a new leader", name(), v.backend().describe());
    endInterim(false);
    interim = v; // still serves calls while the next leader is elected
    elect(v, e, false);
  }

  /**
   * Gives up the leader that handed over: retired (its calls in flight finish) once the next one is
   * live, closed when the session closes or its connection is lost.
   */
  private void endInterim(boolean close) {
    View i = interim;
    if (i == null) {
      return;
    }
    interim = null;
    if (close) {
      i.backend().close();
    } else {
      i.backend().retire();
    }
    i.ended().complete(null);
  }

  /** After the live view {@code v} of epoch {@code e} has ended: elect again. On the loop. */
  private void elect(View v, long e) {
    elect(v, e, true);
  }

  private void elect(View v, long e, boolean ended) {
    // A holder found unresponsive stays so until a leader answers: calls keep failing fast.
    ClusterException fast =
        v.fastFailure() instanceof LeaderUnresponsiveException ? v.fastFailure() : null;
    view = new View(Phase.ELECTING, e, null, new CompletableFuture<>(), fast);
    if (ended) {
      v.ended().complete(null);
    }
    fireRole(Role.ELECTING);
    startRound();
    attempt();
  }

  private void onUnresponsive(long e, String what) {
    View v = view;
    if (e == epoch && v.phase() != Phase.CLOSED) {
      view =
          new View(
              v.phase(), v.epoch(), v.backend(), v.gate(), new LeaderUnresponsiveException(what),
              v.ended());
    }
  }

  private void onClose() {
    View v = view;
    if (v.phase() == Phase.CLOSED) {
      closed.complete(null);
      return;
    }
    epoch++; // every result still on its way is stale from now on
    cancelRetry.run();
    LOG.info("[cluster-client:{}] closing (was {})", name(), v.phase().role);
    ClusterClosedException closedError = closedException();
    view = new View(Phase.CLOSED, epoch, null, CompletableFuture.failedFuture(closedError), null);
    // The backend first: a leader that hands over frees the port and tells its followers before
    // anything else here runs, as their calls wait on it meanwhile.
    Backend b = v.backend();
    CompletableFuture<Void> backendClosed =
        b == null
            ? ENDED
            : v.phase() == Phase.LEADING && !options.handoverTimeout().isZero()
                ? b.handOver(options.handoverTimeout())
                : b.close();
    v.gate().completeExceptionally(closedError);
    v.ended().complete(null);
    endInterim(true);
    fireRole(Role.CLOSED);
    listeners.clear();
    eventListeners.clear();
    told.clear();
    published.clear();
    remembered.clear();
    // Done when the backend is closed, and so is whatever the attempt under way brings: the
    // runtime may stop its threads right after, and must leave no socket bound behind.
    CompletableFuture<Backend> attempt = inFlight;
    if (inFlightFollows) {
      attempt.cancel(false); // stops waiting for a registration; a leader's real client is awaited
    }
    CompletableFuture<Void> attemptClosed =
        attempt
            .handle((carried, err) -> carried)
            // The attempt that made the live backend carries it too: that one is closed above.
            .thenCompose(carried -> carried == null || carried == b ? ENDED : carried.close());
    CompletableFuture.allOf(backendClosed, attemptClosed).whenComplete((x, err) -> closed.complete(null));
  }

  private BackendEvents events(long e) {
    return new BackendEvents() {
      @Override
      public void lost(Throwable cause) {
        post(() -> onLost(e, cause), null);
      }

      @Override
      public void handingOver() {
        post(() -> onHandingOver(e), null);
      }

      @Override
      public void pushed(String k, byte[] value) {
        if (view.epoch() == e) {
          subscriptions.push(k, value);
        }
      }

      @Override
      public void event(String name, byte[] value) {
        if (view.epoch() == e) {
          eventListeners.deliver(name, value);
        }
      }

      @Override
      public void unresponsive(String what) {
        post(() -> onUnresponsive(e, what), null);
      }

      @Override
      public void error(Throwable error) {
        reportError(error);
      }
    };
  }

  // ---- calls from the proxies ----

  Object invoke(MethodInfo info, Object[] args) throws Throwable {
    long deadline = loop.nanoTime() + options.responseTimeout().toNanos();
    long start = meters.start();
    if (info.returnKind().isAsync()) {
      return invokeAsync(info, args, deadline, info.isIdempotent(), start);
    }
    try {
      Object result;
      View v = awaitLive(info, deadline);
      try {
        result = v.backend().invokeSync(info, args, deadline);
      } catch (LeaderLostException e) {
        if (!(e instanceof NotSentException) && (!info.isIdempotent() || !lostByFollower(v))) {
          throw e;
        }
        // The connection closed with the call in flight: once more, to the next leader, within
        // the same deadline. The machine may not have heard of the loss yet: wait until it has.
        retried.incrementAndGet();
        awaitEnded(v, deadline, e);
        result = awaitLive(info, deadline).backend().invokeSync(info, args, deadline);
      }
      meters.end(info, start, null);
      return result;
    } catch (Throwable t) {
      meters.end(info, start, t);
      throw t;
    }
  }

  private CompletableFuture<Object> invokeAsync(
      MethodInfo info, Object[] args, long deadline, boolean retry, long start) {
    CallbackFuture<Object> out = new CallbackFuture<>(callbackExecutor);
    View[] used = new View[1];
    CompletableFuture<Object> first = invokeAsyncOnce(info, args, deadline, used);
    out.helpWith(d -> help(first, d));
    whenDone(
        first,
        (v, e) -> {
          Throwable cause = e == null ? null : RemoteErrors.unwrap(e);
          if (cause instanceof LeaderLostException
              && (retry || cause instanceof NotSentException)
              && lostByFollower(used[0])) {
            retried.incrementAndGet();
            // Once the machine has given up the backend that lost it (it may not have yet);
            // never on the loop, which completes that wait.
            endedWithin(used[0], deadline).whenCompleteAsync(
                (x, y) -> {
                  CompletableFuture<Object> again = invokeAsyncOnce(info, args, deadline, new View[1]);
                  out.helpWith(d -> help(again, d));
                  whenDone(again, (v2, e2) -> settle(out, v2, e2, info, start));
                },
                callbackExecutor);
          } else {
            settle(out, v, e, info, start);
          }
        });
    return out;
  }

  /**
   * Runs the library's own bookkeeping when a call's future completes, on the thread that completes
   * it: a caller blocked in {@code get()} completes the outer future itself, with no hand-off.
   */
  private static void whenDone(
      CompletableFuture<Object> f, java.util.function.BiConsumer<Object, Throwable> action) {
    if (f instanceof CallbackFuture<Object> cf) {
      cf.onComplete(action);
    } else {
      f.whenComplete(action);
    }
  }

  /** What a caller blocked on the outer future does first: help the inner one complete. */
  private static void help(CompletableFuture<Object> inner, long deadlineNanos) {
    if (inner instanceof CallbackFuture<Object> cf) {
      cf.help(deadlineNanos);
    }
  }

  private void settle(
      CompletableFuture<Object> out, Object value, Throwable error, MethodInfo info, long start) {
    if (error != null) {
      Throwable cause = RemoteErrors.unwrap(error);
      meters.end(info, start, cause);
      out.completeExceptionally(cause);
    } else {
      meters.end(info, start, null);
      out.complete(value);
    }
  }

  /**
   * Whether a {@link LeaderLostException} means the connection to the leader was lost: only a
   * follower's connection loses calls. One thrown by this process's own real client (a nested
   * cluster client, say) is its answer, not a loss, and is not retried here.
   */
  private static boolean lostByFollower(View used) {
    return used == null || used.phase() == Phase.FOLLOWING;
  }

  /**
   * Completes when a live view has been given up, or at the deadline, whichever comes first: a
   * retry then fails at once, as its caller expects, instead of waiting for ever.
   */
  private CompletableFuture<Void> endedWithin(View used, long deadline) {
    if (used == null || used.ended().isDone()) {
      return ENDED;
    }
    CompletableFuture<Void> ended = used.ended().copy();
    Runnable cancel = loop.schedule(() -> ended.complete(null), deadline - loop.nanoTime());
    ended.whenComplete((x, y) -> cancel.run());
    return ended;
  }

  /**
   * One try of an asynchronous call.
   *
   * @param used receives the live view the call went to, so that a retry can wait for its end
   */
  private CompletableFuture<Object> invokeAsyncOnce(
      MethodInfo info, Object[] args, long deadline, View[] used) {
    View v = serving();
    if (v.backend() != null) {
      used[0] = v;
      return v.backend().invokeAsync(info, args, deadline);
    }
    ClusterException fast = failFast(info, v);
    if (fast != null) {
      return CompletableFuture.failedFuture(fast);
    }
    CompletableFuture<Object> out = new CompletableFuture<>();
    CompletableFuture<Backend> bounded = v.gate().copy();
    Runnable cancel =
        loop.schedule(
            () -> bounded.completeExceptionally(new TimeoutException()), deadline - loop.nanoTime());
    meters.queued();
    bounded.whenComplete(
        (b, e) -> {
          meters.dequeued();
          cancel.run();
        });
    bounded.whenCompleteAsync(
        (b, e) -> {
          if (e != null) {
            out.completeExceptionally(notReady(info, e));
          } else {
            View live = view;
            used[0] = live.backend() == b ? live : null;
            whenDone(
                b.invokeAsync(info, args, deadline),
                    (value, e2) -> {
                      if (e2 != null) {
                        out.completeExceptionally(RemoteErrors.unwrap(e2));
                      } else {
                        out.complete(value);
                      }
                    });
          }
        },
        callbackExecutor);
    return out;
  }

  void invokeOneway(MethodInfo info, Object[] args) {
    long deadline = loop.nanoTime() + options.responseTimeout().toNanos();
    View v = awaitLive(info, deadline);
    Backend b = v.backend();
    if (b.role() == Role.LEADER) {
      // Copied here, on the caller's thread; then through the loop, as publishes go: a oneway made
      // after a publish never overtakes it.
      Object[] prepared = b.prepareOneway(info, args);
      post(() -> b.invokeOneway(info, prepared), null);
    } else {
      try {
        b.invokeOneway(info, args); // the connection's writes keep their order on the same loop
      } catch (NotSentException e) {
        // Its leader is handing over: to the next one.
        awaitEnded(v, deadline, e);
        Backend next = awaitLive(info, deadline).backend();
        next.invokeOneway(info, next.prepareOneway(info, args));
      }
    }
  }

  void subscribe(MethodInfo info, Object[] args) {
    JsonNode reg = Regs.toTree(args[0], info.parameterTypes()[0]);
    String k = Keys.subscriptionKey(reg, options);
    boolean first = subscriptions.add(k, reg, info, args[1]);
    post(() -> syncKey(k), null);
    Duration limit = options.subscribeTimeout().orElse(null);
    if (limit != null && first) {
      loop.schedule(
          () -> {
            if (view.phase() != Phase.CLOSED && !subscriptions.hasValueOrGone(k)) {
              reportError(new ClusterTimeoutException(
                  "no value for " + k + " within subscribeTimeout " + limit.toMillis()
                      + " ms; a value that comes later is still delivered", limit));
            }
          },
          limit.toNanos());
    }
  }

  void unsubscribe(MethodInfo info, Object[] args) {
    JsonNode reg = Regs.toTree(args[0], info.parameterTypes()[0]);
    String k = Keys.subscriptionKey(reg, options);
    subscriptions.remove(k, args.length > 1 ? args[1] : null);
    post(() -> syncKey(k), null);
  }

  /** Tells the current backend what this process's listeners of a key now want. On the loop. */
  private void syncKey(String k) {
    Backend b = view.backend();
    if (b == null) {
      return; // the next backend is told everything when it comes
    }
    Subscriptions.Registration wanted = subscriptions.wanted(k);
    Subscriptions.Registration had = told.get(k);
    if (had != null && (wanted == null || wanted.token() != had.token())) {
      // Unsubscribed, and maybe subscribed again since: the leader hears both, in order, so that
      // the new listeners get the latest value.
      told.remove(k);
      try {
        b.unsubscribe(k, had.reg());
      } catch (RuntimeException e) {
        reportError(e);
      }
      had = null;
    }
    if (wanted != null && had == null) {
      tell(b, wanted);
    }
  }

  void publish(MethodInfo info, Object[] args) {
    String k = Keys.subscriptionKey(Regs.toTree(args[0], info.parameterTypes()[0]), options);
    // Bounded on the caller's thread, so that the caller hears it; a few concurrent publishes of
    // new keys may pass the bound together, never more.
    boolean added = remembered.add(k);
    if (added && remembered.size() > options.maxRememberedPublishes()) {
      remembered.remove(k);
      throw new ClusterException(
          info.description() + " cannot be remembered for replay: this process already remembers "
              + options.maxRememberedPublishes() + " publishes of '" + name() + "' (option "
              + "maxRememberedPublishes); retract those that no longer hold with "
              + "ClusterHandle.retractPublish(reg), or raise the option");
    }
    Published p;
    try {
      // Encoded here, on the caller's thread: the loop never runs the codec on user objects.
      p = Published.encode(k, info, args, codec, options.maxFrameLength());
    } catch (RuntimeException e) {
      if (added) {
        remembered.remove(k);
      }
      throw e;
    }
    post(() -> onPublish(p), null);
  }

  /**
   * Forgets a remembered publish, so that no later leader is sent it.
   *
   * @param reg the registration given to the publish method
   * @return completes with whether one was forgotten
   */
  CompletableFuture<Boolean> retractPublish(Object reg) {
    List<MethodInfo> publishers = table.ofKind(io.clusterclient.DelegateType.PUBLISH);
    if (publishers.isEmpty()) {
      return CompletableFuture.failedFuture(new ClusterConfigurationException(
          table.type().getName() + " has no method delegated as PUBLISH: there is nothing to retract"));
    }
    MethodInfo info = publishers.get(0);
    for (MethodInfo m : publishers) {
      if (m.method().getParameterTypes()[0].isInstance(reg)) {
        info = m;
        break;
      }
    }
    if (view.phase() == Phase.CLOSED) {
      return CompletableFuture.failedFuture(closedException());
    }
    String k = Keys.subscriptionKey(Regs.toTree(reg, info.parameterTypes()[0]), options);
    CompletableFuture<Boolean> out = new CompletableFuture<>();
    try {
      loop.execute(
          () -> {
            remembered.remove(k);
            boolean forgotten = published.remove(k) != null;
            // Dependents must not run on the session's loop.
            callbackExecutor.execute(() -> out.complete(forgotten));
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      out.completeExceptionally(closedException());
    }
    return out;
  }

  private void onPublish(Published p) {
    if (view.phase() == Phase.CLOSED) {
      return;
    }
    published.remove(p.key()); // re-inserted last: replay keeps the order of the latest publishes
    published.put(p.key(), p);
    remembered.add(p.key()); // a retract that ran between the caller's check and here
    Backend b = view.backend();
    if (b != null) {
      try {
        b.publish(p);
      } catch (RuntimeException e) {
        reportError(e);
      }
    }
    // Without a leader now, the replay after the election sends it.
  }

  /** @return the listeners of the real client's events in this process */
  EventListeners eventListeners() {
    return eventListeners;
  }

  @Override
  public ClusterMetrics metrics() {
    return meters.snapshot(retried.get(), elections.get(), traffic, subscriptions.delivered());
  }

  // ---- listeners ----

  /**
   * Adds a listener. It hears the current role first, then every transition after it, with no gap
   * and no repeat: both are told on the loop, in the order they happen.
   */
  void addListener(ClusterHandle handle, ClusterListener listener, Executor executor) {
    ListenerRegistration r = new ListenerRegistration(handle, listener, new SerialExecutor(executor));
    listeners.add(r);
    try {
      loop.execute(() -> prime(r));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      prime(r); // the loop is gone: the session is closed, and nothing else will be told
    }
  }

  private void prime(ListenerRegistration r) {
    if (!r.primed && (listeners.contains(r) || view.phase() == Phase.CLOSED)) {
      r.primed = true;
      Role now = view.phase().role;
      r.executor.execute(() -> r.listener.roleChanged(r.handle, now));
    }
  }

  void removeListener(ClusterHandle handle, ClusterListener listener) {
    listeners.removeIf(r -> r.handle == handle && (listener == null || r.listener == listener));
  }

  /** On the loop only: listeners hear transitions in the order they happen. */
  private void fireRole(Role role) {
    for (ListenerRegistration r : listeners) {
      if (r.primed) { // one not primed yet hears the role it joined in when it is
        r.executor.execute(() -> r.listener.roleChanged(r.handle, role));
      }
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

  private ClusterException failFast(MethodInfo info, View v) {
    if (v.phase() == Phase.CLOSED) {
      return closedException();
    }
    ClusterException fast = v.fastFailure();
    if (fast == null) {
      return null;
    }
    if (fast instanceof LeaderUnresponsiveException) {
      return new LeaderUnresponsiveException(info.description() + " cannot run: " + fast.getMessage());
    }
    return new ClusterException(info.description() + " cannot run: " + fast.getMessage(), fast.getCause());
  }

  /** Waits until the view that served a call that was lost is given up, within the deadline. */
  private void awaitEnded(View v, long deadline, LeaderLostException lost) {
    try {
      v.ended().get(Math.max(0, deadline - loop.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw lost;
    } catch (ExecutionException | TimeoutException e) {
      throw lost;
    }
  }

  /**
   * The view calls go to now: the live one; while electing after a handover, the interim (the
   * leader that hands over answers until the next one is live); else the electing view.
   */
  private View serving() {
    View v = view;
    if (v.backend() != null) {
      return v;
    }
    View i = interim;
    return i != null ? i : v;
  }

  /** The live view, waiting for one within the deadline. */
  private View awaitLive(MethodInfo info, long deadline) {
    View v = serving();
    if (v.backend() != null) {
      return v;
    }
    ClusterException fast = failFast(info, v);
    if (fast != null) {
      throw fast;
    }
    if (host.isIoThread()) {
      throw new ClusterException(
          info.description() + " would block an I/O thread of cluster-client while waiting for a "
              + "leader; call it from another thread");
    }
    try {
      awaitGate(v, deadline);
      View live = view;
      // Live when the gate opened, but it may have ended already: the next one waits once more.
      return live.backend() != null ? live : awaitLive(info, deadline);
    } catch (ExecutionException | TimeoutException e) {
      throw notReady(info, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException(info.description() + " was interrupted while waiting for a leader", e);
    }
  }

  /** Waits for the gate of an electing view, counted as a call queued for a leader. */
  private void awaitGate(View v, long deadline)
      throws ExecutionException, TimeoutException, InterruptedException {
    meters.queued();
    try {
      v.gate().get(Math.max(0, deadline - loop.nanoTime()), TimeUnit.NANOSECONDS);
    } finally {
      meters.dequeued();
    }
  }

  private ClusterException notReady(MethodInfo info, Throwable e) {
    Throwable cause = RemoteErrors.unwrap(e);
    if (cause instanceof TimeoutException) {
      return new ClusterTimeoutException(
          info.description() + " waited responseTimeout " + options.responseTimeout().toMillis()
              + " ms for a leader of '" + name() + "' on " + transport.describe(port)
              + ", but the election has not finished; wait for ready() or raise responseTimeout",
          options.responseTimeout());
    }
    if (cause instanceof ClusterClosedException closedError) {
      return closedError;
    }
    return new ClusterException(
        info.description() + " cannot run: '" + name() + "' is not ready: " + cause.getMessage(), cause);
  }

  // ---- state ----

  /** @return completes when the session is next live; fails when the round fails or on close */
  CompletableFuture<Void> ready() {
    CompletableFuture<Void> out = new CompletableFuture<>();
    java.util.function.BiConsumer<Backend, Throwable> settle =
        (b, e) -> {
          if (e != null) {
            out.completeExceptionally(e instanceof CompletionException ? e.getCause() : e);
          } else {
            out.complete(null);
          }
        };
    CompletableFuture<Backend> gate = view.gate();
    if (gate.isDone()) {
      gate.whenComplete(settle); // on the caller's thread
    } else {
      // The gate opens on the session's loop: dependents of ready() must never run there.
      gate.whenCompleteAsync(settle, callbackExecutor);
    }
    return out;
  }

  Role role() {
    return view.phase().role;
  }

  /** @return the phase, for tests */
  public Phase phase() {
    return view.phase();
  }

  /** @return the backend while live, else null; for tests */
  Backend backend() {
    return view.backend();
  }

  /** @return the registrations this process's listeners want; for tests */
  List<Subscriptions.Registration> wanted() {
    return subscriptions.all();
  }

  /** @return the key */
  public Key key() {
    return key;
  }

  @Override
  public String name() {
    return key.name();
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public void boundPort(int bound) {
    this.port = bound;
  }

  @Override
  public boolean isClosed() {
    return closing;
  }

  @Override
  public RealClientFactory<?> factory() {
    return factory;
  }

  @Override
  public MethodTable table() {
    return table;
  }

  @Override
  public ClusterOptions options() {
    return options;
  }

  @Override
  public ClusterCodec codec() {
    return codec;
  }

  @Override
  public Executor worker() {
    return worker;
  }

  @Override
  public Executor callbackExecutor() {
    return callbackExecutor;
  }

  @Override
  public Executor elections() {
    return electionWork;
  }

  /** @return who leads now; empty while electing and once closed */
  public java.util.Optional<io.clusterclient.LeaderInfo> leaderInfo() {
    View v = view;
    return v.phase().isLive() && v.backend() != null ? v.backend().leaderInfo() : java.util.Optional.empty();
  }

  /** @return the followers, when this process leads */
  public java.util.List<io.clusterclient.FollowerInfo> followers() {
    View v = view;
    return v.phase().isLive() && v.backend() != null ? v.backend().followers() : java.util.List.of();
  }

  /** @return the keys this process subscribed */
  public java.util.Set<String> subscriptionKeys() {
    return subscriptions.keys();
  }

  /** @return how many publishes this process remembers */
  public int rememberedPublishes() {
    return remembered.size();
  }

  @Override
  public Traffic traffic() {
    return traffic;
  }

  @Override
  public io.clusterclient.internal.security.Handshake handshake() {
    return handshake;
  }

  @Override
  public Transport transport() {
    return transport;
  }

  @Override
  public EventLoop eventLoop() {
    return eventLoop;
  }

  /** @return the exception of calls after close */
  public ClusterClosedException closedException() {
    return new ClusterClosedException(
        "cluster client '" + name() + "' (" + table.type().getSimpleName() + ") is closed; "
            + "create a new instance to use it again");
  }
}
