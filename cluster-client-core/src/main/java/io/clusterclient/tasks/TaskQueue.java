package io.clusterclient.tasks;

import io.clusterclient.ClusterHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A queue of tasks shared by the processes of a host: any process submits, the processes that
 * {@link #serve} run them, each task on the serving process with the most free slots. The leader of
 * the queue's cluster client holds the queue; when it dies the next leader rebuilds it from what the
 * processes still hold, and no task is lost (a task whose worker died with it runs again).
 *
 * <pre>{@code
 * TaskQueue<Report, Url> reports = ClusterTasks.queue("reports", Report.class, Url.class, options);
 * reports.serve(4, report -> render(report));              // this process runs up to 4 at once
 * CompletableFuture<Url> url = reports.submit(new Report(2026, "Q4"));
 * }</pre>
 *
 * <p>Delivery is at least once: see {@link TaskHandler}. Thread-safe.
 *
 * @param <T> the tasks' type
 * @param <R> the results' type
 */
public interface TaskQueue<T, R> extends AutoCloseable {
  /**
   * The queue's name.
   *
   * @return the name given to {@link ClusterTasks}
   */
  String name();

  /**
   * Submits a task with the queue's timeout.
   *
   * @param task the task; it travels as JSON
   * @return completes with the handler's result; fails with the handler's exception (as a remote
   *     call's: a {@link io.clusterclient.RemoteInvocationException} keeping its class, message and
   *     stack), with a {@link TaskQueueFullException}, with a {@link
   *     io.clusterclient.ClusterTimeoutException} when no outcome came within the timeout, or with
   *     a {@link io.clusterclient.ClusterClosedException} when this queue closes first. Dependent
   *     stages run on a cluster-client worker thread (on the queue's timer thread after a timeout),
   *     never on an I/O thread.
   */
  CompletableFuture<R> submit(T task);

  /**
   * Submits a task.
   *
   * @param task the task; it travels as JSON
   * @param timeout how long to wait for its outcome
   * @return as {@link #submit(Object)}
   */
  CompletableFuture<R> submit(T task, Duration timeout);

  /**
   * Serves the queue from this process: runs up to {@code slots} tasks at once, on threads of this
   * queue. Once per instance.
   *
   * @param slots how many tasks at once, at least 1
   * @param handler runs a task
   * @return completes once the leader knows that this process serves (the first tasks may come
   *     before); after a leader change this process tells the next leader on its own
   * @throws IllegalStateException when this instance serves already, or is closed
   */
  CompletableFuture<Void> serve(int slots, TaskHandler<? super T, ? extends R> handler);

  /**
   * Serves the queue from this process with a handler that needs no context.
   *
   * @param slots how many tasks at once, at least 1
   * @param handler runs a task
   * @return as {@link #serve(int, TaskHandler)}
   * @throws IllegalStateException when this instance serves already, or is closed
   */
  default CompletableFuture<Void> serve(int slots, Function<? super T, ? extends R> handler) {
    return serve(slots, (TaskHandler<T, R>) (task, context) -> handler.apply(task));
  }

  /**
   * Stops taking tasks; the running ones finish and report their outcomes.
   *
   * @return completes once the leader sends this process no more tasks and the running ones have
   *     finished
   */
  CompletableFuture<Void> stopServing();

  /**
   * This instance's counters.
   *
   * @return a snapshot
   */
  TaskQueueStats stats();

  /**
   * Asks the leader how the queue stands: what waits, what runs, who serves.
   *
   * @return completes with the leader's snapshot, or fails as a call to the leader would
   */
  CompletableFuture<TaskQueueStatus> status();

  /**
   * The queue's cluster client: its role, leader, readiness and metrics.
   *
   * @return the handle
   */
  ClusterHandle handle();

  /**
   * Stops serving (waiting up to the queue's drain timeout for the running tasks to finish and
   * report), fails the tasks still pending here with a {@link io.clusterclient.ClusterClosedException}
   * (the leader drops those not started), and closes the queue's client. Idempotent.
   */
  @Override
  void close();
}
