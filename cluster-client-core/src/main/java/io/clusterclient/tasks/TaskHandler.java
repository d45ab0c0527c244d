package io.clusterclient.tasks;

/**
 * Runs one task in a serving process. Called on one of the queue's worker threads of this process
 * (never an I/O thread); as many run at once as the slots given to {@link TaskQueue#serve}.
 *
 * <p>Delivery is at least once: a task whose worker dies, or that outlasts its deadline, runs again
 * elsewhere, so a handler with effects outside its result should make them idempotent, using
 * {@link TaskContext#id()} and {@link TaskContext#delivery()}.
 *
 * @param <T> the task's type
 * @param <R> the result's type
 */
@FunctionalInterface
public interface TaskHandler<T, R> {
  /**
   * Runs a task.
   *
   * @param task the task, as submitted
   * @param context its id and delivery count
   * @return the result, sent back to the submitter
   * @throws Exception any failure: the submitter's future fails with it, as a remote call's would
   *     (the task is not run again for it)
   */
  R handle(T task, TaskContext context) throws Exception;
}
