package io.clusterclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.it.Ports;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Clients that share a port in one process share one server, so they must share its rule of proof. */
@Timeout(60)
class SharedPortRulesTest {
  public interface Echo {
    @Delegate
    String echo(String s);
  }

  private final ClusterRuntime runtime = ClusterRuntime.builder().name("shared-port").build();

  @AfterEach
  void close() {
    runtime.close();
  }

  private Echo echo(String name, int port, boolean open) {
    return ClusterClient.of(Echo.class)
        .runtime(runtime)
        .options(ClusterOptions.builder().name(name).port(port).allowUnauthenticated(open).build())
        .create(() -> s -> s);
  }

  @Test
  void aClientThatAsksAnotherProofThanItsPortsServerFailsClearly() throws Exception {
    int port = Ports.free();
    Echo secure = echo("secure", port, false);
    ClusterClient.handle(secure).ready().get(20, TimeUnit.SECONDS);
    Echo open = echo("open", port, true);
    try {
      ClusterClient.handle(open).ready().get(20, TimeUnit.SECONDS);
      throw new AssertionError("a client with another rule joined the server");
    } catch (ExecutionException e) {
      assertThat(e.getCause())
          .isInstanceOf(ClusterConfigurationException.class)
          .hasMessageContaining("'open' cannot lead on 127.0.0.1:" + port)
          .hasMessageContaining("allowUnauthenticated and runDir");
    }
    assertThat(secure.echo("still")).isEqualTo("still");
  }
}
