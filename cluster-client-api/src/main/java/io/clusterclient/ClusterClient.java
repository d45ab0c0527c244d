package io.clusterclient;

import io.clusterclient.spi.ClusterClientProvider;
import io.clusterclient.spi.ClusterProxy;
import java.util.Iterator;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The entry point: share one real client of type {@code T} among the processes of this host.
 *
 * <pre>{@code
 * Registry registry = ClusterClient.of(Registry.class)
 *     .delegate("getData")
 *     .delegate("report", DelegateType.INVOKE_ONEWAY)
 *     .options(ClusterOptions.builder().name("registry").port(7777).build())
 *     .create(() -> new ZkRegistry(config));   // runs only in the leader
 * ClusterClient.handle(registry).ready().join();
 * String data = registry.getData("/services/a"); // on a follower, answered by the leader
 * }</pre>
 *
 * <p>Thread-safe: a static facade.
 */
public final class ClusterClient {
  private ClusterClient() {}

  /**
   * Starts describing a shared client of the given type.
   *
   * @param type an interface, or a non-final class whose delegated methods are not final
   * @param <T> the client type
   * @return a new builder
   */
  public static <T> ClusterClientBuilder<T> of(Class<T> type) {
    return new ClusterClientBuilder<>(Objects.requireNonNull(type, "type"));
  }

  /**
   * The handle of an instance made by {@link ClusterClientBuilder#create}.
   *
   * @param client an instance returned by {@code create}
   * @return its handle
   * @throws IllegalArgumentException when the object was not made by cluster-client
   */
  public static ClusterHandle handle(Object client) {
    if (client instanceof ClusterProxy) {
      return ((ClusterProxy) client).$$clusterHandle();
    }
    throw new IllegalArgumentException(
        "not a cluster-client instance: "
            + (client == null ? "null" : client.getClass().getName())
            + "; pass the object returned by ClusterClient.of(...).create(...)");
  }

  static ClusterClientProvider provider() {
    return ProviderHolder.PROVIDER;
  }

  private static final class ProviderHolder {
    static final ClusterClientProvider PROVIDER = load();

    private static ClusterClientProvider load() {
      Iterator<ClusterClientProvider> it =
          ServiceLoader.load(ClusterClientProvider.class, ClusterClient.class.getClassLoader())
              .iterator();
      if (!it.hasNext()) {
        throw new ClusterConfigurationException(
            "no cluster-client implementation on the classpath: add the dependency "
                + "io.clusterclient:cluster-client-core");
      }
      return it.next();
    }
  }
}
