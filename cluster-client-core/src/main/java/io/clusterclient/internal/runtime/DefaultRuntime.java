package io.clusterclient.internal.runtime;

import io.clusterclient.ClusterClosedException;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.internal.election.NettyElector;
import io.clusterclient.internal.leader.LeaderChannel;
import io.clusterclient.internal.leader.LeaderServer;
import io.clusterclient.internal.session.Elector;
import io.clusterclient.internal.session.SessionMachine;
import io.clusterclient.internal.transport.NioTransport;
import io.clusterclient.internal.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A runtime: the I/O event loops, the worker pool that runs real client calls and callbacks, the
 * sessions (one per client name and port) and the leader servers (one per port) of one "process".
 * Several runtimes in one JVM know nothing of each other: they meet only over the loopback. Nothing
 * here is static but {@link #shared()}, the default runtime that clients get when they name none.
 * Thread-safe.
 */
public final class DefaultRuntime implements ClusterRuntime, SessionMachine.Host {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultRuntime.class);
  private static final long STOP_WAIT_SECONDS = 5;

  private final String name;
  private final boolean sharedDefault;
  private final Transport transport;
  private final ThreadPoolExecutor worker;
  private final ThreadPoolExecutor elections;
  private final Map<SessionMachine.Key, SessionMachine> sessions = new HashMap<>(); // guarded by this
  private final Map<String, CompletableFuture<LeaderServer>> servers = new HashMap<>(); // this
  private final java.util.Set<SessionMachine> live = new java.util.HashSet<>(); // guarded by this
  private volatile boolean closed;

  DefaultRuntime(Settings settings, boolean sharedDefault) {
    this.name = settings.name();
    this.sharedDefault = sharedDefault;
    this.transport = new NioTransport(settings.ioThreads(), threads(name + "-io", true));
    ScalingQueue queue = new ScalingQueue();
    this.worker =
        new ThreadPoolExecutor(
            0, settings.workerThreads(), 30, TimeUnit.SECONDS, queue, threads(name + "-worker", false), queue);
    queue.pool = this.worker;
    // The real client's creation and close must not queue behind user callbacks on the workers,
    // some of which may be waiting for that very election.
    this.elections =
        new ThreadPoolExecutor(
            0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
            threads(name + "-election", false));
  }

  /**
   * Starts a runtime owned by its caller.
   *
   * @param settings the settings
   * @return the runtime
   */
  public static DefaultRuntime create(Settings settings) {
    return new DefaultRuntime(settings, false);
  }

  /**
   * The shared default runtime, started by its first session and stopped with its last.
   *
   * @return the holder of the shared runtime
   */
  public static Shared shared() {
    return Shared.INSTANCE;
  }

  @Override
  public String runtimeName() {
    return name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /** @return the sockets and event loops */
  @Override
  public Transport transport() {
    return transport;
  }

  /** @return the worker pool: real client calls, elections' slow parts, callbacks */
  @Override
  public ExecutorService worker() {
    return worker;
  }

  @Override
  public ExecutorService elections() {
    return elections;
  }

  @Override
  public EventLoop nextLoop() {
    return transport.group().next();
  }

  @Override
  public boolean isIoThread() {
    // Any runtime's: an I/O thread must never wait, whoever's it is.
    return Thread.currentThread() instanceof RuntimeThread t && t.io;
  }

  @Override
  public Elector electorFor(SessionMachine session) {
    return new NettyElector(this, session);
  }

  @Override
  public void warmUp(SessionMachine session) {
    LeaderChannel.warmUp(session);
  }

  /**
   * Whether the calling thread is one of this runtime's: such a thread must never wait for the
   * runtime's own work, which might need that very thread.
   *
   * @return true on an I/O or worker thread of this runtime
   */
  @Override
  public boolean isOwnThread() {
    return Thread.currentThread() instanceof RuntimeThread t && t.runtime == this;
  }

  /**
   * The session of a key, joined (one more reference) or created by {@code create}.
   *
   * @param key the session's key
   * @param create makes a new session on this runtime; called under its lock, so it must not block
   * @return the session, with one reference owned by the caller
   * @throws ClusterClosedException when the runtime is closed
   */
  public SessionMachine join(SessionMachine.Key key, Function<DefaultRuntime, SessionMachine> create) {
    SessionMachine created;
    synchronized (this) {
      if (closed) {
        throw new ClusterClosedException(
            "the cluster-client runtime '" + name + "' is closed; create clients on an open one");
      }
      SessionMachine existing = sessions.get(key);
      if (existing != null) {
        existing.checkSameType(key);
        if (existing.retain()) {
          return existing;
        }
      }
      created = create.apply(this);
      created.retain();
      sessions.put(key, created);
      live.add(created);
    }
    created.start();
    return created;
  }

  /**
   * Forgets a session whose last instance closed, at once, so that a new {@code create} of the same
   * name makes a new session.
   *
   * @param session the session
   */
  @Override
  public void remove(SessionMachine session) {
    boolean stop = false;
    synchronized (this) {
      sessions.remove(session.key(), session);
      if (live.remove(session) && sharedDefault) {
        stop = live.isEmpty();
      }
    }
    if (stop) {
      Shared.INSTANCE.stopIfUnused(this);
    }
  }

  /**
   * The server this runtime holds on a port, bound now if needed. Sessions of one runtime that lead
   * on the same port share one server socket; a bind in progress is shared too.
   *
   * @param endpoint where the server listens, as its transport describes it: the key
   * @param port the port, 0 for any
   * @param bind binds a new server; completes with null when another process holds the port
   * @return the server, or null when the port is held elsewhere
   */
  public CompletableFuture<LeaderServer> server(
      String endpoint, int port, Function<Integer, CompletableFuture<LeaderServer>> bind) {
    synchronized (this) {
      if (port != 0) {
        CompletableFuture<LeaderServer> existing = servers.get(endpoint);
        if (existing != null && (!existing.isDone() || isOpen(serverIn(existing)))) {
          return existing;
        }
      }
      CompletableFuture<LeaderServer> bound = bind.apply(port);
      if (port != 0) {
        servers.put(endpoint, bound);
        bound.whenComplete(
            (s, e) -> {
              if (s == null) {
                forgetServer(endpoint, bound);
              }
            });
      }
      return bound;
    }
  }

  /** The server a finished bind produced; null while binding, when held elsewhere, or failed. */
  private static LeaderServer serverIn(CompletableFuture<LeaderServer> f) {
    return f.isDone() && !f.isCompletedExceptionally() ? f.getNow(null) : null;
  }

  private static boolean isOpen(LeaderServer s) {
    return s != null && s.isOpen();
  }

  private synchronized void forgetServer(String endpoint, CompletableFuture<LeaderServer> bound) {
    servers.remove(endpoint, bound);
  }

  /**
   * Forgets a server that closed.
   *
   * @param server the server
   */
  public synchronized void removeServer(LeaderServer server) {
    CompletableFuture<LeaderServer> f = servers.get(server.endpoint());
    if (f != null && serverIn(f) == server) {
      servers.remove(server.endpoint());
    }
  }

  /** Marks this runtime closed, once: the sessions it had then, or null when already closed. */
  private synchronized List<SessionMachine> markClosed() {
    if (closed) {
      return null;
    }
    closed = true;
    return new ArrayList<>(live);
  }

  @Override
  public void close() {
    List<SessionMachine> open = markClosed();
    if (open == null) {
      return;
    }
    // Side by side: each leader hands over while the others do.
    for (SessionMachine s : open) {
      s.beginClose();
    }
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (SessionMachine s : open) {
      closing.add(s.awaitClosed());
    }
    if (isOwnThread()) {
      // Called from one of this runtime's threads: the sessions close on threads that must still
      // run, so the threads stop once they have.
      CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]))
          .whenComplete((x, e) -> stopThreads());
    } else {
      stopThreads();
    }
  }

  /**
   * Stops this runtime as if its process had died, for tests of failover inside one JVM: its sockets
   * close without a handover, its real clients are not closed, and its clients are left as they
   * were, never to be used again. Their shutdown hooks and MBeans are removed. Idempotent; a runtime
   * already closed is left alone.
   */
  public void halt() {
    List<SessionMachine> open = markClosed();
    if (open == null) {
      return;
    }
    // Its sockets close at once, as the OS closes a killed process's: the others see the
    // connections end (and the port free) now, whatever the event loops' own shutdown does.
    transport.openChannels().close();
    worker.shutdownNow();
    elections.shutdownNow();
    transport.shutdown(!isOwnThread());
    for (SessionMachine s : open) {
      s.abandon();
    }
  }

  void stopThreads() {
    closed = true;
    worker.shutdown();
    elections.shutdown();
    transport.shutdown(!isOwnThread());
    if (!isOwnThread()) {
      try {
        elections.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        if (!worker.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
          LOG.warn("cluster-client runtime '{}': workers still busy after {} s", name, STOP_WAIT_SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "ClusterRuntime[" + name + (closed ? ", closed]" : "]");
  }

  /**
   * The holder of the default runtime: the one static of the library's state, reference-counted so
   * that a process that closes all its clients keeps no thread of ours.
   */
  public static final class Shared {
    static final Shared INSTANCE = new Shared();
    private DefaultRuntime current; // guarded by this

    private Shared() {}

    /**
     * The running default runtime, started if needed. A session joined on it keeps it running.
     *
     * @return the runtime
     */
    private synchronized DefaultRuntime get() {
      if (current == null || current.closed) {
        current = new DefaultRuntime(Settings.defaults(), true);
      }
      return current;
    }

    /**
     * Joins or creates a session on the default runtime, started if needed; under this holder's
     * lock, so that the runtime cannot stop between being found and being joined.
     *
     * @param key the session's key
     * @param create makes a new session on the given runtime
     * @return the session, with one reference owned by the caller
     */
    public synchronized SessionMachine join(
        SessionMachine.Key key, Function<DefaultRuntime, SessionMachine> create) {
      return get().join(key, create);
    }

    void stopIfUnused(DefaultRuntime runtime) {
      synchronized (this) {
        synchronized (runtime) {
          if (current != runtime || !runtime.live.isEmpty()) {
            return;
          }
          current = null;
        }
      }
      runtime.stopThreads(); // outside the lock: a create meanwhile starts a new runtime at once
    }
  }

  /** Threads of a runtime know it, so that it can tell its own threads without reading names. */
  static final class RuntimeThread extends FastThreadLocalThread {
    final DefaultRuntime runtime;
    final boolean io;

    RuntimeThread(DefaultRuntime runtime, Runnable task, String name, boolean io) {
      super(task, name);
      this.runtime = runtime;
      this.io = io;
      setDaemon(true);
    }
  }

  private ThreadFactory threads(String prefix, boolean io) {
    AtomicInteger n = new AtomicInteger();
    return r -> new RuntimeThread(this, r, prefix + "-" + n.incrementAndGet(), io);
  }

  /**
   * Hands a task to an idle worker if there is one, else starts a worker (up to the maximum), else
   * queues it. A plain ThreadPoolExecutor starts a new thread per task up to its core size even with
   * idle ones around, which would make every process keep {@code workerThreads} threads. Idle
   * workers are counted here, where they wait: asking the pool takes its main lock on every task,
   * and an exact hand-off ({@code LinkedTransferQueue.tryTransfer}) starts a thread whenever every
   * worker is between two tasks, which cost a fifth of the calls per second in benchmark (b).
   */
  private static final class ScalingQueue extends LinkedBlockingQueue<Runnable>
      implements java.util.concurrent.RejectedExecutionHandler {
    private static final long serialVersionUID = 1L;
    private static final Runnable NOTHING = () -> {};
    private final AtomicInteger idle = new AtomicInteger();
    /** The pool this queue feeds, to start a worker for a task left queued (see {@link #handedOff}). */
    transient volatile ThreadPoolExecutor pool;

    @Override
    public boolean offer(Runnable task) {
      // false: every worker is busy, and the pool starts another (or calls rejectedExecution at
      // the maximum).
      return idle.get() > 0 && super.offer(task);
    }

    @Override
    public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
      idle.incrementAndGet();
      Runnable task;
      try {
        task = super.poll(timeout, unit);
      } finally {
        idle.decrementAndGet();
      }
      // A task offered while this worker still counted as idle, after its wait ended: take it
      // rather than leave it queued behind a busy worker.
      return handedOff(task != null ? task : super.poll());
    }

    @Override
    public Runnable take() throws InterruptedException {
      idle.incrementAndGet();
      Runnable task;
      try {
        task = super.take();
      } finally {
        idle.decrementAndGet();
      }
      return handedOff(task);
    }

    /**
     * A worker that takes a task stops counting as idle only after it has it: a task offered in
     * between was queued for this worker, which is about to be busy, maybe for long (a real client
     * call that blocks). When tasks are left queued and no worker is idle, starts one for them.
     */
    private Runnable handedOff(Runnable task) {
      ThreadPoolExecutor p = pool;
      if (task != null && p != null && idle.get() == 0 && !isEmpty()
          && p.getPoolSize() < p.getMaximumPoolSize() && !p.isShutdown()) {
        try {
          p.execute(NOTHING); // refused by offer (nobody idle): the pool starts a worker
        } catch (RejectedExecutionException e) {
          // shutting down
        }
      }
      return task;
    }

    @Override
    public void rejectedExecution(Runnable task, ThreadPoolExecutor executor) {
      if (executor.isShutdown()) {
        throw new RejectedExecutionException("cluster-client is shut down");
      }
      super.offer(task); // at the maximum: wait in line
    }
  }
}
