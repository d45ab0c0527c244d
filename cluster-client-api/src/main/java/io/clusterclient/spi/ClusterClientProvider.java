package io.clusterclient.spi;

/**
 * The implementation behind {@link io.clusterclient.ClusterClient}, found with {@link
 * java.util.ServiceLoader}. Implementations must be thread-safe.
 */
public interface ClusterClientProvider {
  /**
   * Creates a shared client instance.
   *
   * @param spec what the builder described
   * @param <T> the client type
   * @return the proxy
   */
  <T> T create(ClientSpec<T> spec);

  /**
   * Starts a runtime owned by the caller.
   *
   * @param settings what the builder described
   * @return the runtime
   */
  io.clusterclient.ClusterRuntime createRuntime(io.clusterclient.ClusterRuntime.Settings settings);
}
