package io.clusterclient.spi;

import io.clusterclient.ClusterHandle;

/**
 * Implemented by every generated client proxy, so that {@link io.clusterclient.ClusterClient#handle}
 * can find its handle. Not for users to implement. Generated proxies are thread-safe.
 */
public interface ClusterProxy {
  /**
   * The handle of this proxy. The odd name keeps it clear of the client type's own methods.
   *
   * @return the handle
   */
  ClusterHandle $$clusterHandle();
}
