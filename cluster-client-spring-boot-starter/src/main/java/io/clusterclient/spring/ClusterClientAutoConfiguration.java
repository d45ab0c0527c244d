package io.clusterclient.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of cluster-client: binds {@link ClusterClientProperties} and registers the
 * {@link ClusterClients} bean that creates shared clients and closes them with the context.
 *
 * <p>Thread-safe: Spring uses it at startup only.
 */
@AutoConfiguration
@EnableConfigurationProperties(ClusterClientProperties.class)
public class ClusterClientAutoConfiguration {
  /** For Spring. */
  public ClusterClientAutoConfiguration() {}

  /**
   * The factory of shared clients; closing the context closes it, and so every client it made.
   *
   * @param properties the bound properties
   * @return the factory
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public ClusterClients clusterClients(ClusterClientProperties properties) {
    return new ClusterClients(properties);
  }

  /**
   * Keeps Spring from calling a proxy's {@code shutdown()} method when its bean is destroyed.
   *
   * @return the post-processor
   */
  @Bean
  static ClusterProxyDestroyMethodPostProcessor clusterProxyDestroyMethodPostProcessor() {
    return new ClusterProxyDestroyMethodPostProcessor();
  }
}
