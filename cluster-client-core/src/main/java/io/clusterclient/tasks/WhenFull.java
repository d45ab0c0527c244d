package io.clusterclient.tasks;

/** What {@link TaskQueue#submit} does when the queue's wait queue is full. */
public enum WhenFull {
  /** The returned future fails at once with a {@link TaskQueueFullException}. */
  FAIL,
  /**
   * The submitter tries again, backing off, until the task is taken or its timeout passes (then the
   * future fails with a {@link io.clusterclient.ClusterTimeoutException}).
   */
  WAIT
}
