package io.clusterclient;

import java.util.Objects;

/**
 * The threads and sockets that shared clients run on: I/O event loops, a worker pool for real client
 * calls and callbacks, and the leader servers this runtime holds. Each runtime behaves like a process
 * of its own: clients created on two runtimes of one JVM elect a leader between them over the
 * loopback, exactly as two JVMs would. That is what tests of a shared client want, and what a
 * container hosting several applications wants.
 *
 * <p>Clients that name no runtime use the shared default one, which starts with the first such
 * client and stops with the last: most applications never see a runtime. A runtime made here is the
 * caller's to close; closing it closes every client created on it.
 *
 * <pre>{@code
 * try (ClusterRuntime a = ClusterRuntime.create(); ClusterRuntime b = ClusterRuntime.create()) {
 *   Greeter leader = ClusterClient.of(Greeter.class).runtime(a).options(opts).create(RealGreeter::new);
 *   Greeter follower = ClusterClient.of(Greeter.class).runtime(b).options(opts).create(RealGreeter::new);
 *   ClusterClient.handle(follower).ready().join();
 *   follower.greet("world"); // travels over 127.0.0.1 to the runtime that leads
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public interface ClusterRuntime extends AutoCloseable {
  /**
   * Creates a runtime with the default settings.
   *
   * @return a new runtime, owned by the caller
   */
  static ClusterRuntime create() {
    return builder().build();
  }

  /**
   * Starts describing a runtime.
   *
   * @return a new builder
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * A name for the runtime's threads and log lines.
   *
   * @return the name
   */
  String name();

  /**
   * Whether {@link #close()} was called.
   *
   * @return true once closed
   */
  boolean isClosed();

  /**
   * Closes every client created on this runtime (as their handles' {@code close()} would), then
   * stops its threads, waiting a bounded time for them. Idempotent. Called from one of the runtime's
   * own threads, it does not wait for that thread.
   */
  @Override
  void close();

  /**
   * Settings of a new runtime. Not thread-safe; {@link #build()} copies them.
   */
  final class Builder {
    private String name = "cluster-client";
    private int ioThreads = Integer.getInteger("clusterclient.ioThreads", 1);
    private int workerThreads =
        Integer.getInteger(
            "clusterclient.workerThreads", Math.max(8, Runtime.getRuntime().availableProcessors() * 4));

    Builder() {}

    /**
     * Names the runtime's threads ({@code <name>-io-1}, {@code <name>-worker-1}).
     *
     * @param name the prefix, {@code cluster-client} by default
     * @return this builder
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * How many I/O threads; {@code -Dclusterclient.ioThreads}, 1 by default.
     *
     * @param ioThreads at least 1
     * @return this builder
     */
    public Builder ioThreads(int ioThreads) {
      if (ioThreads < 1) {
        throw new ClusterConfigurationException("ioThreads must be at least 1, not " + ioThreads);
      }
      this.ioThreads = ioThreads;
      return this;
    }

    /**
     * The most worker threads (they start on demand and end when idle); {@code
     * -Dclusterclient.workerThreads}, 8 or 4 per core by default.
     *
     * @param workerThreads at least 1
     * @return this builder
     */
    public Builder workerThreads(int workerThreads) {
      if (workerThreads < 1) {
        throw new ClusterConfigurationException(
            "workerThreads must be at least 1, not " + workerThreads);
      }
      this.workerThreads = workerThreads;
      return this;
    }

    /**
     * Starts the runtime.
     *
     * @return a new runtime, owned by the caller
     */
    public ClusterRuntime build() {
      return ClusterClient.provider().createRuntime(new Settings(name, ioThreads, workerThreads));
    }
  }

  /**
   * What a {@link Builder} described, handed to the implementation. Immutable.
   *
   * @param name the thread name prefix
   * @param ioThreads how many I/O threads
   * @param workerThreads the most worker threads
   */
  record Settings(String name, int ioThreads, int workerThreads) {
    /**
     * The settings of the shared default runtime.
     *
     * @return the defaults, with the system properties applied
     */
    public static Settings defaults() {
      Builder b = new Builder();
      return new Settings(b.name, b.ioThreads, b.workerThreads);
    }
  }
}
