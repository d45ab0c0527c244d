package io.clusterclient.internal;

import io.clusterclient.internal.transport.NioTransport;
import io.clusterclient.internal.transport.Transport;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads this library runs in a process: the I/O event loops and the worker pool that runs real
 * client calls, elections, and callbacks. Created with the first open client and shut down with the
 * last, so that a process that closes all its clients keeps no thread of ours. Thread-safe.
 */
public final class ClusterRuntime {
  private static final Object LOCK = new Object();
  private static ClusterRuntime current;
  private static int users;

  private final Transport transport;
  private final ThreadPoolExecutor worker;
  private final ThreadPoolExecutor elections;

  private ClusterRuntime() {
    int ioThreads = Integer.getInteger("clusterclient.ioThreads", 1);
    int workers =
        Integer.getInteger(
            "clusterclient.workerThreads", Math.max(8, Runtime.getRuntime().availableProcessors() * 4));
    this.transport = new NioTransport(ioThreads);
    ScalingQueue queue = new ScalingQueue();
    this.worker =
        new ThreadPoolExecutor(
            0, workers, 30, TimeUnit.SECONDS, queue, daemon("cluster-client-worker"), queue);
    // Elections block (connect, register), and must not queue behind user callbacks on the workers.
    this.elections =
        new ThreadPoolExecutor(
            0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
            daemon("cluster-client-election"));
  }

  /**
   * Takes a reference on the shared runtime, starting it if needed. Pair with {@link #release()}.
   *
   * @return the runtime
   */
  public static ClusterRuntime acquire() {
    synchronized (LOCK) {
      if (current == null) {
        current = new ClusterRuntime();
      }
      users++;
      return current;
    }
  }

  /** Drops a reference; the last one stops the threads (bounded wait). */
  public void release() {
    ClusterRuntime stopping = null;
    synchronized (LOCK) {
      if (current != this || users == 0) {
        return;
      }
      if (--users == 0) {
        stopping = current;
        current = null;
      }
    }
    if (stopping != null) {
      stopping.worker.shutdown();
      stopping.elections.shutdown();
      stopping.transport.shutdown();
      // A close made from one of our own threads (a callback, a listener) cannot wait for that thread.
      String self = Thread.currentThread().getName();
      if (!self.startsWith("cluster-client-")) {
        try {
          stopping.worker.awaitTermination(5, TimeUnit.SECONDS);
          stopping.elections.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** @return the transport of this process */
  public Transport transport() {
    return transport;
  }

  /** @return the threads that run elections, one per election in progress */
  public ExecutorService elections() {
    return elections;
  }

  /** @return the worker pool: real client calls and callbacks */
  public ExecutorService worker() {
    return worker;
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
    private final AtomicInteger idle = new AtomicInteger();

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
      return task != null ? task : super.poll();
    }

    @Override
    public Runnable take() throws InterruptedException {
      idle.incrementAndGet();
      try {
        return super.take();
      } finally {
        idle.decrementAndGet();
      }
    }

    @Override
    public void rejectedExecution(Runnable task, ThreadPoolExecutor executor) {
      if (executor.isShutdown()) {
        throw new java.util.concurrent.RejectedExecutionException("cluster-client is shut down");
      }
      super.offer(task); // at the maximum: wait in line
    }
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
