package io.clusterclient.spring.actuate;

import io.clusterclient.spring.ClusterClientAutoConfiguration;
import io.clusterclient.spring.ClusterClients;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Registers {@link ClusterClientsHealthContributor} when Spring Boot Actuator is on the classpath.
 * Turn it off with {@code management.health.cluster-clients.enabled=false}.
 *
 * <p>Thread-safe: Spring uses it at startup only.
 */
@AutoConfiguration(after = ClusterClientAutoConfiguration.class)
@ConditionalOnClass({HealthContributor.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(ClusterClients.class)
@ConditionalOnEnabledHealthIndicator("cluster-clients")
public class ClusterClientHealthAutoConfiguration {
  /** For Spring. */
  public ClusterClientHealthAutoConfiguration() {}

  /**
   * The health of the shared clients, shown as {@code clusterClients}.
   *
   * @param clients the factory whose clients are reported
   * @return the contributor
   */
  @Bean
  @ConditionalOnMissingBean(name = "clusterClientsHealthContributor")
  public ClusterClientsHealthContributor clusterClientsHealthContributor(ClusterClients clients) {
    return new ClusterClientsHealthContributor(clients);
  }
}
