package io.clusterclient.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.jackson.JacksonCodec;
import java.time.Duration;
import java.util.Objects;

/**
 * Makes {@link TaskQueue}s: work for whichever process of the host has room.
 *
 * <pre>{@code
 * TaskQueue<Report, Url> reports = ClusterTasks.builder("reports", Report.class, Url.class)
 *     .options(options)                  // the port and security of the host's cluster
 *     .maxWaiting(1_000)                 // then submit fails at once (or waits: whenFull)
 *     .deadline(Duration.ofMinutes(2))   // a worker holding a task longer loses it to another
 *     .create();
 * }</pre>
 *
 * <p>Each queue is a cluster client of its own, named {@code tasks:<name>}, on the options' port:
 * the processes elect its leader, which holds the wait queue, as for any shared client. Every
 * process of one queue should use the same settings; the leader's apply to the wait queue.
 *
 * <p>Thread-safe: a static facade.
 */
public final class ClusterTasks {
  private ClusterTasks() {}

  /**
   * Makes a queue with the default settings.
   *
   * @param name the queue's name, the same in every process
   * @param taskType what a task is read as
   * @param resultType what a result is read as
   * @param options the cluster's options (port, transport, security); their name is not used
   * @param <T> the tasks' type
   * @param <R> the results' type
   * @return a new queue, owned by the caller
   */
  public static <T, R> TaskQueue<T, R> queue(
      String name, Class<T> taskType, Class<R> resultType, ClusterOptions options) {
    return builder(name, taskType, resultType).options(options).create();
  }

  /**
   * Starts describing a queue.
   *
   * @param name the queue's name, the same in every process
   * @param taskType what a task is read as
   * @param resultType what a result is read as
   * @param <T> the tasks' type
   * @param <R> the results' type
   * @return a new builder
   */
  public static <T, R> Builder<T, R> builder(String name, Class<T> taskType, Class<R> resultType) {
    return new Builder<>(name, taskType, resultType);
  }

  /**
   * Settings of a new queue. Not thread-safe; {@link #create()} copies them.
   *
   * @param <T> the tasks' type
   * @param <R> the results' type
   */
  public static final class Builder<T, R> {
    final String name;
    final Class<T> taskType;
    final Class<R> resultType;
    ClusterOptions options = ClusterOptions.defaults();
    ClusterRuntime runtime;
    int maxWaiting = 10_000;
    WhenFull whenFull = WhenFull.FAIL;
    Duration deadline = Duration.ofMinutes(1);
    Duration timeout = Duration.ofMinutes(5);
    int maxDeliveries = 5;
    Duration recoveryWindow = Duration.ofSeconds(2);
    Duration drainTimeout = Duration.ofSeconds(30);
    ObjectMapper mapper;

    Builder(String name, Class<T> taskType, Class<R> resultType) {
      if (Objects.requireNonNull(name, "name").isEmpty()) {
        throw new ClusterConfigurationException("a task queue's name must not be empty");
      }
      this.name = name;
      this.taskType = Objects.requireNonNull(taskType, "taskType");
      this.resultType = Objects.requireNonNull(resultType, "resultType");
    }

    /**
     * The cluster's options: port, transport, security, timeouts. Their name is not used: the
     * queue's client is named {@code tasks:<name>}.
     *
     * @param options the options, {@link ClusterOptions#defaults()} by default
     * @return this builder
     */
    public Builder<T, R> options(ClusterOptions options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * The runtime the queue's client runs on (tests give each simulated process its own).
     *
     * @param runtime the runtime, the shared default one by default
     * @return this builder
     */
    public Builder<T, R> runtime(ClusterRuntime runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /**
     * The most tasks waiting for a free slot; past it {@link #whenFull} applies.
     *
     * @param maxWaiting at least 1; 10,000 by default
     * @return this builder
     */
    public Builder<T, R> maxWaiting(int maxWaiting) {
      this.maxWaiting = atLeast(1, maxWaiting, "maxWaiting");
      return this;
    }

    /**
     * What {@code submit} does when the wait queue is full.
     *
     * @param whenFull {@link WhenFull#FAIL} (the default) or {@link WhenFull#WAIT}
     * @return this builder
     */
    public Builder<T, R> whenFull(WhenFull whenFull) {
      this.whenFull = Objects.requireNonNull(whenFull, "whenFull");
      return this;
    }

    /**
     * How long one worker may hold a task: past it, the task goes to another worker (its delivery
     * count raised), and the first outcome to come wins.
     *
     * @param deadline positive; 1 minute by default
     * @return this builder
     */
    public Builder<T, R> deadline(Duration deadline) {
      this.deadline = positive(deadline, "deadline");
      return this;
    }

    /**
     * How long a submitter waits for a task's outcome, unless {@code submit} says otherwise.
     *
     * @param timeout positive; 5 minutes by default
     * @return this builder
     */
    public Builder<T, R> timeout(Duration timeout) {
      this.timeout = positive(timeout, "timeout");
      return this;
    }

    /**
     * After this many deliveries without an outcome (workers that died or missed the deadline), a
     * task fails instead of going out again: a task that crashes its worker does not crash them all.
     *
     * @param maxDeliveries at least 1; 5 by default
     * @return this builder
     */
    public Builder<T, R> maxDeliveries(int maxDeliveries) {
      this.maxDeliveries = atLeast(1, maxDeliveries, "maxDeliveries");
      return this;
    }

    /**
     * After a leader change, how long at most a re-submitted task that no worker has claimed waits
     * for its worker to reconnect before it runs again. The wait ends as soon as every worker of the
     * previous leader has reconnected and claimed what it runs (in milliseconds, usually); the whole
     * window passes only when a worker died with the leader.
     *
     * @param recoveryWindow not negative; 2 s by default
     * @return this builder
     */
    public Builder<T, R> recoveryWindow(Duration recoveryWindow) {
      if (Objects.requireNonNull(recoveryWindow, "recoveryWindow").isNegative()) {
        throw new ClusterConfigurationException("recoveryWindow must not be negative, not " + recoveryWindow);
      }
      this.recoveryWindow = recoveryWindow;
      return this;
    }

    /**
     * How long {@link TaskQueue#close()} waits for the running tasks to finish.
     *
     * @param drainTimeout not negative; 30 s by default
     * @return this builder
     */
    public Builder<T, R> drainTimeout(Duration drainTimeout) {
      if (Objects.requireNonNull(drainTimeout, "drainTimeout").isNegative()) {
        throw new ClusterConfigurationException("drainTimeout must not be negative, not " + drainTimeout);
      }
      this.drainTimeout = drainTimeout;
      return this;
    }

    /**
     * The mapper that turns tasks and results into JSON and back. Every process of the queue needs
     * an equivalent one.
     *
     * @param mapper a mapper; by default Jackson's defaults with the JDK 8, java.time and parameter
     *     names modules (as {@link JacksonCodec#defaultMapperBuilder()})
     * @return this builder
     */
    public Builder<T, R> mapper(ObjectMapper mapper) {
      this.mapper = Objects.requireNonNull(mapper, "mapper");
      return this;
    }

    /**
     * Creates the queue and starts joining its cluster; {@link TaskQueue#handle()}'s {@code
     * ready()} tells when it has.
     *
     * @return a new queue, owned by the caller
     */
    public TaskQueue<T, R> create() {
      return new DefaultTaskQueue<>(this);
    }

    private static int atLeast(int min, int value, String what) {
      if (value < min) {
        throw new ClusterConfigurationException(what + " must be at least " + min + ", not " + value);
      }
      return value;
    }

    private static Duration positive(Duration d, String what) {
      if (Objects.requireNonNull(d, what).isNegative() || d.isZero()) {
        throw new ClusterConfigurationException(what + " must be positive, not " + d);
      }
      return d;
    }
  }
}
