package io.clusterclient.spring.it;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.Delegate;
import io.clusterclient.Role;
import io.clusterclient.spring.ClusterClients;
import io.clusterclient.spring.actuate.ClusterClientsHealthContributor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application that {@link SpringBootClusterIT} starts in a JVM of its own. It shares
 * one {@link PidService} and answers commands on stdin, one a line: {@code call} prints {@code
 * SERVED_BY <pid>} (the pid of the JVM whose real client answered), {@code health} prints {@code
 * HEALTH <status> <role>}, {@code close} closes the context, {@code exit} closes it and exits. It
 * prints {@code ROLE <role>} on every role change, {@code READY} once ready, and {@code
 * REAL_CLIENT_CLOSED} when its real client closes.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class ChildApplication {
  /** The shared client: which process answers. */
  public interface PidService {
    /**
     * The pid of the JVM that holds the real client.
     *
     * @return a pid
     */
    @Delegate
    long pid();
  }

  /** The real client: created in the leader only. */
  static final class RealPidService implements PidService, AutoCloseable {
    @Override
    public long pid() {
      return ProcessHandle.current().pid();
    }

    @Override
    public void close() {
      System.out.println("REAL_CLIENT_CLOSED");
    }
  }

  @Bean
  PidService pidService(ClusterClients clusterClients) {
    return clusterClients.create(PidService.class, RealPidService::new);
  }

  /**
   * Starts the application and serves commands until stdin ends or says {@code exit}.
   *
   * @param args Spring Boot arguments, for example {@code --cluster-client.port=7788}
   * @throws Exception when something fails; the test reads the trace in the child's log
   */
  public static void main(String[] args) throws Exception {
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(ChildApplication.class)
            .web(WebApplicationType.NONE)
            .logStartupInfo(false)
            .run(args);
    PidService service = context.getBean(PidService.class);
    HealthIndicator health =
        (HealthIndicator)
            context.getBean(ClusterClientsHealthContributor.class).getContributor("PidService");
    ClusterHandle handle = ClusterClient.handle(service);
    handle.addListener(
        new ClusterListener() {
          @Override
          public void roleChanged(ClusterHandle h, Role role) {
            System.out.println("ROLE " + role);
          }
        });
    System.out.println("PID " + ProcessHandle.current().pid());
    handle.ready().get(60, TimeUnit.SECONDS);
    System.out.println("READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line.trim()) {
        case "call":
          try {
            System.out.println("SERVED_BY " + service.pid());
          } catch (RuntimeException e) {
            System.out.println("CALL_FAILED " + e);
          }
          break;
        case "health":
          System.out.println("HEALTH " + health.health().getStatus() + " " + handle.role());
          break;
        case "close":
          context.close();
          System.out.println("CONTEXT_CLOSED");
          break;
        case "exit":
          context.close();
          System.exit(0);
          break;
        default:
          System.out.println("UNKNOWN " + line);
      }
    }
    context.close();
    System.exit(0);
  }
}
