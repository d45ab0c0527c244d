package io.clusterclient;

/**
 * Counters of one shared client in this process, since it was created. An immutable snapshot; get a
 * fresh one from {@link ClusterHandle#metrics()}.
 */
public final class ClusterMetrics {
  private final long succeeded;
  private final long failed;
  private final long retried;
  private final long elections;

  /**
   * Creates a snapshot.
   *
   * @param succeeded calls that returned a result
   * @param failed calls that ended with an exception, the real client's own included
   * @param retried idempotent calls sent again to a new leader
   * @param elections elections this process took part in, the first included
   */
  public ClusterMetrics(long succeeded, long failed, long retried, long elections) {
    this.succeeded = succeeded;
    this.failed = failed;
    this.retried = retried;
    this.elections = elections;
  }

  /** @return calls that returned a result */
  public long succeeded() {
    return succeeded;
  }

  /** @return calls that ended with an exception, the real client's own included */
  public long failed() {
    return failed;
  }

  /** @return idempotent calls sent again to a new leader after the old one was lost */
  public long retried() {
    return retried;
  }

  /** @return elections this process took part in, the first included */
  public long elections() {
    return elections;
  }

  @Override
  public String toString() {
    return "ClusterMetrics{succeeded=" + succeeded + ", failed=" + failed + ", retried=" + retried
        + ", elections=" + elections + "}";
  }
}
