package io.clusterclient;

import java.util.concurrent.CompletableFuture;

/**
 * A base for the business layer over a shared data client, in the spirit of the original library's
 * {@code APIClientBase}: the subclass names its data client type, its delegates and its options, and
 * adds what the business needs (a cache, a friendlier API); the base creates the shared client and
 * forwards readiness, leadership and close.
 *
 * <pre>{@code
 * public final class ProviderDirectory extends APIClientBase<Registry> {
 *   private final Map<String, List<String>> cache = new ConcurrentHashMap<>();
 *   private final String zkAddress;
 *
 *   public ProviderDirectory(String zkAddress) {
 *     this.zkAddress = zkAddress;
 *   }
 *
 *   protected Class<Registry> dataClientType() { return Registry.class; }
 *   protected Registry createDataClient() { return new ZkRegistry(zkAddress); } // leader only
 *   protected void delegates(ClusterClientBuilder<Registry> builder) { builder.delegate("getData"); }
 *
 *   public List<String> providers(String service) {
 *     return cache.computeIfAbsent(service, s -> client().getData("/services/" + s));
 *   }
 * }
 * }</pre>
 *
 * <p>The shared client is created on the first call of {@link #client()}, {@link #ready()}, {@link
 * #clusterHandle()} or {@link #isLeader()}, never from the base constructor, so that the subclass's
 * own fields are set before {@link #createDataClient()} can run. Call {@code ready()} at the end of
 * the subclass constructor to start at once. Thread-safe.
 *
 * @param <C> the data client type
 */
public abstract class APIClientBase<C> implements AutoCloseable {
  private final Object lock = new Object();
  private volatile C client;
  private volatile boolean closed;

  /** For subclasses. */
  protected APIClientBase() {}

  /**
   * The data client type: an interface, or a non-final class.
   *
   * @return the type shared by every process
   */
  protected abstract Class<C> dataClientType();

  /**
   * Creates the real data client. Runs in the leader only, on a cluster-client worker thread.
   *
   * @return the real client
   * @throws Exception when it cannot be created; {@code ready()} then fails everywhere
   */
  protected abstract C createDataClient() throws Exception;

  /**
   * Names the delegated methods, beyond the annotations and conventions. Does nothing by default.
   *
   * @param builder the builder of the shared client
   */
  protected void delegates(ClusterClientBuilder<C> builder) {}

  /**
   * The options of the shared client: {@link ClusterOptions#defaults()} unless overridden.
   *
   * @return the options
   */
  protected ClusterOptions clusterOptions() {
    return ClusterOptions.defaults();
  }

  /**
   * The shared data client, created on first use.
   *
   * @return the proxy of the data client
   * @throws ClusterClosedException after {@link #close()}
   */
  protected final C client() {
    C c = client;
    if (c != null) {
      return c;
    }
    synchronized (lock) {
      if (closed) {
        throw new ClusterClosedException(getClass().getSimpleName() + " is closed");
      }
      if (client == null) {
        ClusterClientBuilder<C> builder =
            ClusterClient.of(dataClientType()).options(clusterOptions());
        delegates(builder);
        client = builder.create(this::createDataClient);
      }
      return client;
    }
  }

  /**
   * The handle of the shared data client.
   *
   * @return the handle
   */
  public final ClusterHandle clusterHandle() {
    return ClusterClient.handle(client());
  }

  /**
   * Completes once the shared client can serve calls; see {@link ClusterHandle#ready()}.
   *
   * @return the readiness future
   */
  public CompletableFuture<Void> ready() {
    return clusterHandle().ready();
  }

  /**
   * Whether this process holds the real data client.
   *
   * @return true in the leader
   */
  public boolean isLeader() {
    return clusterHandle().isLeader();
  }

  /** Closes the shared client of this instance. Idempotent. */
  @Override
  public void close() {
    C c;
    synchronized (lock) {
      closed = true;
      c = client;
    }
    if (c != null) {
      ClusterClient.handle(c).close();
    }
  }
}
