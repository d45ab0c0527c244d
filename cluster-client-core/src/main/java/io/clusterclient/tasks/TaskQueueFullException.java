package io.clusterclient.tasks;

import io.clusterclient.ClusterException;

/**
 * A task was refused: its queue's wait queue was full. Nothing of it ran. Thread-safe once thrown.
 */
public class TaskQueueFullException extends ClusterException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what was full, how full, and the ways out
   */
  public TaskQueueFullException(String message) {
    super(message);
  }
}
