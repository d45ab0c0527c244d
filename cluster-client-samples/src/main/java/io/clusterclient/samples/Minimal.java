package io.clusterclient.samples;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.Delegate;

/**
 * The quick start of the README, runnable as is: {@code exec:exec -Dsample=Minimal}. The port is the
 * default, 7777, unless {@code CLUSTER_CLIENT_PORT} or {@code -Dclusterclient.port} says otherwise.
 */
public final class Minimal {
  /** The shared client type. */
  public interface Greeter {
    @Delegate
    String greet(String who);
  }

  public static void main(String[] args) {
    Greeter greeter =
        ClusterClient.of(Greeter.class)
            .options(ClusterOptions.builder().name("greeter").build())
            .create(() -> who -> "hello " + who + " from pid " + ProcessHandle.current().pid());
    try (ClusterHandle handle = ClusterClient.handle(greeter)) {
      handle.ready().join();
      System.out.println(handle.role() + ": " + greeter.greet("world"));
    }
  }

  private Minimal() {}
}
