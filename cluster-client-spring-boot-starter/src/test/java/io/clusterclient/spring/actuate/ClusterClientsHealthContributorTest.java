package io.clusterclient.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.spring.ClusterClientAutoConfiguration;
import io.clusterclient.spring.ClusterClients;
import io.clusterclient.spring.Greeter;
import io.clusterclient.spring.Ports;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterClientsHealthContributorTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  ClusterClientAutoConfiguration.class, ClusterClientHealthAutoConfiguration.class))
          .withUserConfiguration(GreeterConfig.class);

  @Test
  void aLeaderIsUpWithItsRoleNameAndPort() {
    int port = Ports.freePort();
    runner
        .withPropertyValues("cluster-client.port=" + port)
        .run(
            context -> {
              ClusterHandle handle = ClusterClient.handle(context.getBean(Greeter.class));
              handle.ready().get(20, TimeUnit.SECONDS);
              ClusterClientsHealthContributor contributor =
                  context.getBean(ClusterClientsHealthContributor.class);
              assertThat(contributor.iterator().next().getName()).isEqualTo("Greeter");
              Health health = health(contributor, "Greeter");
              assertThat(health.getStatus()).isEqualTo(Status.UP);
              assertThat(health.getDetails())
                  .containsEntry("role", "LEADER")
                  .containsEntry("name", "Greeter")
                  .containsEntry("port", port)
                  .containsEntry("ready", true);
            });
  }

  @Test
  void aClosedClientIsDown() {
    runner
        .withPropertyValues("cluster-client.single-mode=true")
        .run(
            context -> {
              ClusterHandle handle = ClusterClient.handle(context.getBean(Greeter.class));
              handle.ready().get(20, TimeUnit.SECONDS);
              handle.close();
              Health health = health(context.getBean(ClusterClientsHealthContributor.class), "Greeter");
              assertThat(health.getStatus()).isEqualTo(Status.DOWN);
              assertThat(health.getDetails()).containsEntry("role", "CLOSED");
            });
  }

  @Test
  void aClientWhoseRealClientCannotBeCreatedIsDownWithTheError() {
    runner
        .withPropertyValues("cluster-client.single-mode=true", "test.fail=true")
        .run(
            context -> {
              ClusterClientsHealthContributor contributor =
                  context.getBean(ClusterClientsHealthContributor.class);
              await("the failed creation to show")
                  .atMost(Duration.ofSeconds(20))
                  .until(() -> health(contributor, "Greeter").getDetails().containsKey("error"));
              Health health = health(contributor, "Greeter");
              assertThat(health.getStatus()).isEqualTo(Status.DOWN);
              assertThat(String.valueOf(health.getDetails().get("error"))).contains("no upstream");
            });
  }

  @Test
  void thereIsNoHealthContributorWithoutActuator() {
    runner
        .withClassLoader(new FilteredClassLoader(HealthContributor.class))
        .withPropertyValues("cluster-client.single-mode=true")
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(ClusterClients.class)
                    .doesNotHaveBean(ClusterClientsHealthContributor.class));
  }

  @Test
  void thePropertyOfActuatorTurnsItOff() {
    runner
        .withPropertyValues(
            "cluster-client.single-mode=true", "management.health.cluster-clients.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(ClusterClientsHealthContributor.class));
  }

  private static Health health(ClusterClientsHealthContributor contributor, String name) {
    HealthContributor one = contributor.getContributor(name);
    assertThat(one).as("the contributor of client %s", name).isInstanceOf(HealthIndicator.class);
    for (NamedContributor<HealthContributor> named : contributor) {
      assertThat(named.getName()).isEqualTo(name);
    }
    return ((HealthIndicator) one).health();
  }

  @Configuration(proxyBeanMethods = false)
  static class GreeterConfig {
    @Bean
    Greeter greeter(
        ClusterClients clusterClients,
        @org.springframework.beans.factory.annotation.Value("${test.fail:false}") boolean fail) {
      return clusterClients.create(
          Greeter.class,
          () -> {
            if (fail) {
              throw new IllegalStateException("no upstream today");
            }
            return who -> "hello " + who;
          });
    }
  }
}
