package io.clusterclient.test;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.RealClientFactory;
import io.clusterclient.Role;
import java.io.IOException;

/**
 * The main class of a {@link ClusterFixture} member in a child JVM. Arguments: the client type's
 * name and the real client factory's name; options come as {@code -Dclusterclient.*} properties.
 * Prints {@code ROLE <role>} on each change of role, and ends when its standard input closes (the
 * test's JVM ended) or on SIGTERM, which closes the client from its shutdown hook.
 */
public final class FixtureChild {
  static final String ROLE = "ROLE ";

  private FixtureChild() {}

  /**
   * Runs the member.
   *
   * @param args the client type's name and the factory's name
   * @throws Exception when the classes cannot be loaded or the factory made
   */
  public static void main(String[] args) throws Exception {
    Class<?> type = Class.forName(args[0]);
    RealClientFactory<?> factory =
        (RealClientFactory<?>) Class.forName(args[1]).getConstructor().newInstance();
    run(type, factory);
  }

  private static <T> void run(Class<T> type, RealClientFactory<?> factory) throws IOException {
    @SuppressWarnings("unchecked")
    RealClientFactory<? extends T> typed = (RealClientFactory<? extends T>) factory;
    T client = ClusterClient.of(type).create(typed);
    ClusterHandle handle = ClusterClient.handle(client);
    handle.addListener(
        new ClusterListener() {
          @Override
          public void roleChanged(ClusterHandle h, Role role) {
            synchronized (System.out) {
              System.out.println(ROLE + role);
              System.out.flush();
            }
          }
        },
        Runnable::run);
    while (System.in.read() >= 0) {
      // the parent writes nothing: this returns when it ends
    }
    handle.close();
  }
}
