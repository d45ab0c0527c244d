/**
 * Spring Boot auto-configuration of cluster-client: declare a shared client as a {@code @Bean} made
 * by {@link io.clusterclient.spring.ClusterClients}, set its options under {@code cluster-client.*},
 * and the application context closes it (a leader hands over to a follower).
 */
package io.clusterclient.spring;
