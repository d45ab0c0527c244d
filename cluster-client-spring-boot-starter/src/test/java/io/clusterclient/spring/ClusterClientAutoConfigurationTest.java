package io.clusterclient.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.Role;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterClientAutoConfigurationTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(ClusterClientAutoConfiguration.class));

  @Test
  void aDeclaredClientIsInjectableByItsInterfaceAndItsRealClientServesCalls() {
    runner
        .withUserConfiguration(GreeterConfig.class)
        .withPropertyValues("cluster-client.port=" + Ports.freePort())
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(ClusterClients.class);
              Greeter greeter = context.getBean(Greeter.class);
              ClusterHandle handle = ClusterClient.handle(greeter);
              handle.ready().get(20, TimeUnit.SECONDS);
              assertThat(handle.role()).isEqualTo(Role.LEADER);
              assertThat(handle.name()).isEqualTo("Greeter");
              assertThat(greeter.greet("spring")).isEqualTo("hello spring from test#1");
              assertThat(context.getBean(ClusterClients.class).handles()).containsExactly(handle);
            });
  }

  @Test
  void propertiesReachTheOptionsAndPerClientPropertiesWin() {
    runner
        .withPropertyValues(
            "cluster-client.port=7001",
            "cluster-client.response-timeout=5s",
            "cluster-client.max-wait-time=2000",
            "cluster-client.max-frame-length=1MB",
            "cluster-client.handover-timeout=0",
            "cluster-client.check-heartbeat=false",
            "cluster-client.clients.registry.response-timeout=PT7S",
            "cluster-client.clients.registry.leader=false",
            "cluster-client.clients.registry.name=registry-v2")
        .run(
            context -> {
              ClusterClients clients = context.getBean(ClusterClients.class);
              ClusterOptions greeter = clients.options("greeter");
              assertThat(greeter.name()).contains("greeter");
              assertThat(greeter.port()).isEqualTo(7001);
              assertThat(greeter.responseTimeout()).isEqualTo(Duration.ofSeconds(5));
              assertThat(greeter.maxWaitTime()).isEqualTo(Duration.ofSeconds(2));
              assertThat(greeter.maxFrameLength()).isEqualTo(1024 * 1024);
              assertThat(greeter.handoverTimeout()).isZero();
              assertThat(greeter.checkHeartbeat()).isFalse();
              assertThat(greeter.leader()).isEmpty();

              ClusterOptions registry = clients.options("registry");
              assertThat(registry.name()).contains("registry-v2");
              assertThat(registry.port()).isEqualTo(7001);
              assertThat(registry.responseTimeout()).isEqualTo(Duration.ofSeconds(7));
              assertThat(registry.leader()).contains(false);
            });
  }

  @Test
  void springReadsTheLibrarysEnvironmentVariablesAsTheSameProperties() {
    runner
        .withInitializer(
            context ->
                context
                    .getEnvironment()
                    .getPropertySources()
                    // Spring Boot maps names the environment's way only for the source of this name.
                    .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new org.springframework.core.env.SystemEnvironmentPropertySource(
                            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                            java.util.Map.of(
                                "CLUSTER_CLIENT_PORT", "7123",
                                "CLUSTER_CLIENT_MAX_WAIT_TIME", "4000",
                                // Spring's own form: the dashes dropped, not made underscores.
                                "CLUSTERCLIENT_CLIENTS_GREETER_RESPONSETIMEOUT", "6s"))))
        .run(
            context -> {
              ClusterOptions options = context.getBean(ClusterClients.class).options("greeter");
              assertThat(options.port()).isEqualTo(7123);
              assertThat(options.maxWaitTime()).isEqualTo(Duration.ofSeconds(4));
              assertThat(options.responseTimeout()).isEqualTo(Duration.ofSeconds(6));
            });
  }

  @Test
  void optionsInCodeWinOverPropertiesAndAPropertyCanRenameTheChannel() {
    int port = Ports.freePort();
    runner
        .withUserConfiguration(NamedGreeterConfig.class)
        .withPropertyValues(
            "cluster-client.port=1",
            "cluster-client.clients.greetings.port=2",
            "cluster-client.clients.greetings.name=greetings-v2",
            "test.port=" + port)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              ClusterHandle handle = ClusterClient.handle(context.getBean(Greeter.class));
              assertThat(handle.port()).isEqualTo(port);
              assertThat(handle.name()).isEqualTo("greetings-v2");
            });
  }

  @Test
  void perClientPropertiesOfATypeNamedClientMatchWhateverTheCase() {
    runner
        .withUserConfiguration(GreeterConfig.class)
        .withPropertyValues("cluster-client.clients.greeter.single-mode=true")
        .run(
            context -> {
              ClusterHandle handle = ClusterClient.handle(context.getBean(Greeter.class));
              assertThat(handle.port()).isZero();
              handle.ready().get(20, TimeUnit.SECONDS);
            });
  }

  @Test
  void closingTheContextClosesTheClientItsRealClientAndTheLibrarysThreads() {
    ConfigurableApplicationContext[] holder = new ConfigurableApplicationContext[1];
    ClusterHandle[] handle = new ClusterHandle[1];
    RealClients[] real = new RealClients[1];
    runner
        .withUserConfiguration(GreeterConfig.class)
        .withPropertyValues("cluster-client.port=" + Ports.freePort())
        .run(
            context -> {
              holder[0] = context;
              handle[0] = ClusterClient.handle(context.getBean(Greeter.class));
              real[0] = context.getBean(RealClients.class);
              handle[0].ready().get(20, TimeUnit.SECONDS);
              assertThat(real[0].created).hasValue(1);
              assertThat(real[0].closed).hasValue(0);
            });
    // The runner closed the context when run() returned.
    assertThat(holder[0].isActive()).isFalse();
    assertThat(handle[0].role()).isEqualTo(Role.CLOSED);
    assertThat(real[0].closed).hasValue(1);
    await("the default runtime's threads to stop")
        .atMost(WAIT)
        .until(() -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().startsWith("cluster-client-")));
  }

  @Test
  void aFollowerContextIsServedByTheLeaderContextsRealClient() {
    int port = Ports.freePort();
    ApplicationContextRunner onOwnRuntime =
        runner
            .withUserConfiguration(RuntimeGreeterConfig.class)
            .withPropertyValues("cluster-client.port=" + port);
    onOwnRuntime.run(
        leader -> {
          Greeter leaderGreeter = leader.getBean(Greeter.class);
          ClusterClient.handle(leaderGreeter).ready().get(20, TimeUnit.SECONDS);
          assertThat(ClusterClient.handle(leaderGreeter).role()).isEqualTo(Role.LEADER);
          onOwnRuntime.run(
              follower -> {
                Greeter greeter = follower.getBean(Greeter.class);
                ClusterHandle handle = ClusterClient.handle(greeter);
                handle.ready().get(20, TimeUnit.SECONDS);
                assertThat(handle.role()).isEqualTo(Role.FOLLOWER);
                assertThat(greeter.greet("follower")).isEqualTo("hello follower from test#1");
                assertThat(follower.getBean(RealClients.class).created).hasValue(0);
              });
        });
  }

  @Test
  void aPropertyOutOfRangeFailsStartupNamingTheProperty() {
    runner
        .withUserConfiguration(GreeterConfig.class)
        .withPropertyValues("cluster-client.clients.greeter.port=70000")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "invalid property cluster-client.clients.greeter.port (shared client "
                            + "'Greeter'): port is 70000, not within 0..65535; fix it"));
  }

  @Test
  void aValueThatDoesNotParseFailsStartupNamingTheProperty() {
    runner
        .withUserConfiguration(GreeterConfig.class)
        .withPropertyValues("cluster-client.response-timeout=soon")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("cluster-client.response-timeout")
                    .hasStackTraceContaining("soon"));
  }

  @Test
  void aFrameLimitOverTwoGigabytesFailsStartupNamingTheProperty() {
    runner
        .withUserConfiguration(GreeterConfig.class)
        .withPropertyValues("cluster-client.max-frame-length=3GB")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("property cluster-client.max-frame-length is 3221225472B"));
  }

  @Test
  void closeOnShutdownInCodeIsRejectedBecauseTheContextClosesTheClient() {
    runner
        .withUserConfiguration(CloseOnShutdownConfig.class)
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("remove closeOnShutdown(true)"));
  }

  @Test
  void theLibrarysShutdownHookStaysOffEvenWhenItsSystemPropertyAsksForIt() {
    String before = System.setProperty("clusterclient.closeOnShutdown", "true");
    try {
      assertThat(ClusterOptions.defaults().closeOnShutdown()).isTrue();
      runner.run(
          context ->
              assertThat(context.getBean(ClusterClients.class).options("greeter").closeOnShutdown())
                  .isFalse());
    } finally {
      if (before == null) {
        System.clearProperty("clusterclient.closeOnShutdown");
      } else {
        System.setProperty("clusterclient.closeOnShutdown", before);
      }
    }
  }

  @Test
  void springNeverCallsAProxysShutdownMethodWhenTheContextCloses() {
    RealClients[] real = new RealClients[1];
    ClusterHandle[] handle = new ClusterHandle[1];
    runner
        .withUserConfiguration(StoppableConfig.class)
        .withPropertyValues("cluster-client.port=" + Ports.freePort())
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Stoppable stoppable = context.getBean(Stoppable.class);
              handle[0] = ClusterClient.handle(stoppable);
              handle[0].ready().get(20, TimeUnit.SECONDS);
              assertThat(stoppable.hello()).isEqualTo("hello");
              real[0] = context.getBean(RealClients.class);
            });
    assertThat(handle[0].role()).isEqualTo(Role.CLOSED);
    assertThat(real[0].closed).hasValue(1);
    assertThat(real[0].shutdowns).hasValue(0);
  }

  @Test
  void theJarDescribesThePropertiesForIdeCompletion() throws Exception {
    ClassPathResource metadata = new ClassPathResource("META-INF/spring-configuration-metadata.json");
    assertThat(metadata.exists()).isTrue();
    String json = new String(metadata.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(json)
        .contains("\"cluster-client.response-timeout\"")
        .contains("\"cluster-client.clients\"")
        .contains("\"cluster-client.max-frame-length\"");
  }

  @Configuration(proxyBeanMethods = false)
  static class GreeterConfig {
    @Bean
    RealClients realClients() {
      return new RealClients("test");
    }

    @Bean
    Greeter greeter(ClusterClients clusterClients, RealClients real) {
      return clusterClients.create(Greeter.class, real::newGreeter);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class NamedGreeterConfig {
    @Bean
    RealClients realClients() {
      return new RealClients("test");
    }

    @Bean
    Greeter greeter(
        ClusterClients clusterClients,
        RealClients real,
        @org.springframework.beans.factory.annotation.Value("${test.port}") int port) {
      return clusterClients
          .of(Greeter.class)
          .name("greetings")
          .options(options -> options.port(port))
          .create(real::newGreeter);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class RuntimeGreeterConfig {
    @Bean
    RealClients realClients() {
      return new RealClients("test");
    }

    /** Its own runtime: two contexts of one JVM then elect a leader as two JVMs would. */
    @Bean(destroyMethod = "close")
    ClusterRuntime clusterRuntime() {
      return ClusterRuntime.create();
    }

    @Bean
    Greeter greeter(ClusterClients clusterClients, RealClients real, ClusterRuntime runtime) {
      return clusterClients
          .of(Greeter.class)
          .configure(builder -> builder.runtime(runtime))
          .create(real::newGreeter);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class CloseOnShutdownConfig {
    @Bean
    Greeter greeter(ClusterClients clusterClients) {
      return clusterClients
          .of(Greeter.class)
          .options(options -> options.singleMode(true).closeOnShutdown(true))
          .create(() -> new RealClients("test").newGreeter());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class StoppableConfig {
    @Bean
    RealClients realClients() {
      return new RealClients("test");
    }

    @Bean
    Stoppable stoppable(ClusterClients clusterClients, RealClients real) {
      return clusterClients.create(Stoppable.class, real::newStoppable);
    }
  }
}
