package io.clusterclient.it;

import io.clusterclient.APIClientBase;
import io.clusterclient.ClusterOptions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A business layer over {@link EchoService} with a per-process cache, as users write them. */
public final class EchoApi extends APIClientBase<EchoService> {
  private final Map<String, String> cache = new ConcurrentHashMap<>();
  private final int port;

  public EchoApi(int port) {
    this.port = port;
  }

  @Override
  protected Class<EchoService> dataClientType() {
    return EchoService.class;
  }

  @Override
  protected EchoService createDataClient() {
    return new RealEchoService("api");
  }

  @Override
  protected ClusterOptions clusterOptions() {
    return ClusterOptions.builder().name("echo-api").port(port).build();
  }

  /** Answered from the cache after the first time; the first time also leaves a trace upstream. */
  public String lookup(String key) {
    return cache.computeIfAbsent(
        key,
        k -> {
          client().record("lookup:" + k);
          return client().echo(k);
        });
  }

  public int upstreamLookups(String key) {
    return (int) client().recorded().stream().filter(("lookup:" + key)::equals).count();
  }
}
