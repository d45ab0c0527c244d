package io.clusterclient.spring.sample;

import io.clusterclient.ClusterClient;
import io.clusterclient.Delegate;
import io.clusterclient.spring.ClusterClients;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The starter's sample: start it in two or three terminals, and every instance greets through one
 * real client, held by whichever instance leads. Stop the leader with Ctrl-C: Spring closes its
 * context, the client hands over, and another instance leads from then on. Its settings are in
 * {@code greeter-sample.yml}; see the module's README for the command.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableScheduling
public class GreeterSampleApplication {
  /** The shared client type. */
  public interface Greeter {
    /**
     * Greets.
     *
     * @param who whom to greet
     * @return a greeting that names the process whose real client made it
     */
    @Delegate
    String greet(String who);
  }

  /** The real client; in a real application it would hold an upstream connection. */
  static final class RealGreeter implements Greeter {
    @Override
    public String greet(String who) {
      return "hello " + who + ", from the real client in pid " + ProcessHandle.current().pid();
    }
  }

  /** The shared client as a bean: injectable as {@code Greeter} anywhere in the application. */
  @Bean
  Greeter greeter(ClusterClients clusterClients) {
    return clusterClients.create(Greeter.class, RealGreeter::new);
  }

  @Bean
  GreetingJob greetingJob(Greeter greeter) {
    return new GreetingJob(greeter);
  }

  /** Greets every two seconds, and says which role this process plays. */
  static final class GreetingJob {
    private final Greeter greeter;

    GreetingJob(Greeter greeter) {
      this.greeter = greeter;
    }

    @Scheduled(fixedDelay = 2000)
    void greet() {
      String role = ClusterClient.handle(greeter).role().toString();
      try {
        System.out.println("[pid " + ProcessHandle.current().pid() + ", " + role + "] "
            + greeter.greet("pid " + ProcessHandle.current().pid()));
      } catch (RuntimeException e) {
        System.out.println("[pid " + ProcessHandle.current().pid() + ", " + role + "] call failed: " + e);
      }
    }
  }

  /**
   * Runs the sample until Ctrl-C.
   *
   * @param args Spring Boot arguments, for example {@code --cluster-client.port=7799}
   */
  public static void main(String[] args) {
    if (System.getProperty("spring.config.name") == null) {
      System.setProperty("spring.config.name", "greeter-sample");
    }
    SpringApplication.run(GreeterSampleApplication.class, args);
  }
}
