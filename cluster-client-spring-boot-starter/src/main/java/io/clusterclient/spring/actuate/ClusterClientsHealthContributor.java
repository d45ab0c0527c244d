package io.clusterclient.spring.actuate;

import io.clusterclient.ClusterHandle;
import io.clusterclient.Role;
import io.clusterclient.spring.ClusterClients;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;

/**
 * The health of every shared client made by {@link ClusterClients}, one component per client name
 * ({@code /actuator/health/clusterClients/<name>}). A client is UP when it can serve calls: it is
 * ready and this process is its {@code LEADER} or a {@code FOLLOWER}. It is DOWN while it waits for
 * a leader ({@code ELECTING}), when its real client could not be created (the error is in the
 * details) and once it is {@code CLOSED}. Details: {@code name}, {@code port} (0 in single mode) and
 * {@code role}.
 *
 * <p>Thread-safe: each health check reads the clients' current state; it never blocks.
 */
public final class ClusterClientsHealthContributor implements CompositeHealthContributor {
  private final ClusterClients clients;

  /**
   * Reports the clients of the given factory.
   *
   * @param clients the factory whose clients are reported
   */
  public ClusterClientsHealthContributor(ClusterClients clients) {
    this.clients = Objects.requireNonNull(clients, "clients");
  }

  @Override
  public HealthContributor getContributor(String name) {
    ClusterHandle handle = byName().get(name);
    return handle == null ? null : indicator(handle);
  }

  @Override
  public Iterator<NamedContributor<HealthContributor>> iterator() {
    return byName().values().stream()
        .map(h -> NamedContributor.<HealthContributor>of(h.name(), indicator(h)))
        .iterator();
  }

  /** Several instances of one name share one session, so the first one speaks for all. */
  private Map<String, ClusterHandle> byName() {
    Map<String, ClusterHandle> byName = new LinkedHashMap<>();
    for (ClusterHandle h : clients.handles()) {
      byName.putIfAbsent(h.name(), h);
    }
    return byName;
  }

  private HealthIndicator indicator(ClusterHandle handle) {
    return () -> health(handle, clients.lastError(handle).orElse(null));
  }

  /**
   * The health of one client.
   *
   * @param handle the client's handle
   * @param lastError why it is not ready, if known
   * @return UP when it can serve calls, else DOWN, with its name, port and role
   */
  static Health health(ClusterHandle handle, Throwable lastError) {
    Role role = handle.role();
    Health.Builder health =
        new Health.Builder()
            .withDetail("name", handle.name())
            .withDetail("port", handle.port())
            .withDetail("role", role.name());
    if (role == Role.CLOSED) {
      return health.down().build();
    }
    CompletableFuture<Void> ready = handle.ready();
    if (!ready.isDone()) {
      health.down().withDetail("ready", false);
      return (lastError == null ? health : health.withException(lastError)).build();
    }
    try {
      ready.get();
    } catch (ExecutionException | CompletionException e) {
      return health.down().withException(e.getCause() != null ? e.getCause() : e).build();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // not reached: the future is done
      return health.unknown().build();
    } catch (java.util.concurrent.CancellationException e) {
      return health.down().withException(e).build();
    }
    return (role.isConnected() ? health.up() : health.down()).withDetail("ready", true).build();
  }
}
