package io.clusterclient.tasks;

import java.time.Instant;

/**
 * What a handler may want to know about the task it runs. Immutable and thread-safe.
 */
public interface TaskContext {
  /**
   * The queue's name.
   *
   * @return the name
   */
  String queue();

  /**
   * The task's id, the same on every delivery: a key for making effects idempotent.
   *
   * @return the id
   */
  String id();

  /**
   * Which delivery this is: 1 the first time, more when an earlier worker died, missed the deadline
   * or the leader changed while the task was out. Above 1 means the task may have run before.
   *
   * @return the delivery count, at least 1
   */
  int delivery();

  /**
   * When the leader gives the task to another worker if this one has not finished it.
   *
   * @return the deadline of this delivery
   */
  Instant deadline();
}
