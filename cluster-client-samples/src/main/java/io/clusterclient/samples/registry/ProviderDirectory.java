package io.clusterclient.samples.registry;

import io.clusterclient.APIClientBase;
import io.clusterclient.ClusterException;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The business layer over the shared {@link ServiceRegistry}: who provides a service, answered from
 * this process's own cache, which a subscription keeps fresh. Every process of the host creates one
 * with the same options; the leader's holds the only ZooKeeper session, the others reach it through
 * cluster-client, and a new leader takes over when the leader dies.
 *
 * <pre>{@code
 * try (ProviderDirectory directory = new ProviderDirectory("127.0.0.1:2181", Duration.ofSeconds(10),
 *     ClusterOptions.builder().name("service-registry").port(7788).build())) {
 *   directory.ready().join();
 *   directory.register(new Registration("demo", "worker-1", "127.0.0.1:8080"));
 *   List<String> ids = directory.providers("demo"); // later calls: no round trip
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class ProviderDirectory extends APIClientBase<ServiceRegistry> {
  /** How long the first {@link #providers(String)} call of a service waits for the first list. */
  public static final Duration FIRST_LIST_TIMEOUT = Duration.ofSeconds(10);

  private final String connectString;
  private final Duration sessionTimeout;
  private final ClusterOptions options;
  private final Map<String, Watched> watched = new ConcurrentHashMap<>();

  /** The cache of one service and the subscription that feeds it. */
  private static final class Watched {
    final CompletableFuture<Void> first = new CompletableFuture<>();
    final List<Consumer<List<String>>> observers = new CopyOnWriteArrayList<>();
    volatile List<String> providers = List.of();
    final Consumer<List<String>> listener =
        ids -> {
          providers = List.copyOf(ids);
          first.complete(null);
          observers.forEach(o -> o.accept(providers));
        };
  }

  /**
   * Creates the directory and starts joining the cluster; see {@link #ready()}.
   *
   * @param connectString ZooKeeper's {@code host:port[,host:port...]}, used by the leader only
   * @param sessionTimeout the leader's ZooKeeper session timeout
   * @param options the cluster options: the same name and port in every process of the host
   */
  public ProviderDirectory(String connectString, Duration sessionTimeout, ClusterOptions options) {
    this.connectString = connectString;
    this.sessionTimeout = sessionTimeout;
    this.options = options;
    ready(); // join at once, now that the fields are set
  }

  @Override
  protected Class<ServiceRegistry> dataClientType() {
    return ServiceRegistry.class;
  }

  /** Runs in the leader only: the one ZooKeeper session of the host. */
  @Override
  protected ServiceRegistry createDataClient() {
    return new CuratorServiceRegistry(connectString, sessionTimeout);
  }

  @Override
  protected ClusterOptions clusterOptions() {
    return options;
  }

  /**
   * Registers a provider; it stays registered, through leader changes, until this process closes the
   * directory or dies. See {@link ServiceRegistry#publish}.
   *
   * @param registration the provider
   */
  public void register(Registration registration) {
    client().publish(registration);
  }

  /**
   * The providers of a service, from this process's cache. The first call for a service subscribes
   * and waits for the first list; later calls return at once, also while a new leader is elected.
   *
   * @param service the service name
   * @return the sorted provider ids
   * @throws ClusterTimeoutException when the first list does not come within {@link
   *     #FIRST_LIST_TIMEOUT}
   */
  public List<String> providers(String service) {
    Watched w = watch(service);
    try {
      w.first.get(FIRST_LIST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new ClusterTimeoutException(
          "no provider list for '" + service + "' within " + FIRST_LIST_TIMEOUT.toMillis()
              + " ms; is the leader connected to ZooKeeper?", FIRST_LIST_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException("interrupted while waiting for the providers of " + service);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause()); // never: the future only completes normally
    }
    return w.providers;
  }

  /**
   * Calls an observer with every new provider list of a service, starting with the current one if
   * there is one.
   *
   * @param service the service name
   * @param observer receives the sorted provider ids, on a cluster-client worker thread
   */
  public void onChange(String service, Consumer<List<String>> observer) {
    Watched w = watch(service);
    w.observers.add(observer);
    if (w.first.isDone()) {
      observer.accept(w.providers);
    }
  }

  /**
   * Reads a provider's registration through the shared client: a call to the leader.
   *
   * @param service the service name
   * @param id the provider id
   * @return the registration, or empty when there is no such provider
   */
  public Optional<Registration> registration(String service, String id) {
    String json = client().getData(CuratorServiceRegistry.providerPath(service, id));
    return json == null ? Optional.empty() : Optional.of(CuratorServiceRegistry.parse(json));
  }

  private Watched watch(String service) {
    ServiceQuery query = new ServiceQuery(service);
    return watched.computeIfAbsent(
        service,
        s -> {
          Watched w = new Watched();
          client().subscribe(query, w.listener);
          return w;
        });
  }

  /**
   * Leaves the cluster: the leader drops this process's subscriptions; closing the leader ends the
   * ZooKeeper session, and with it this host's registrations, until a new leader publishes the
   * survivors' again. Idempotent.
   */
  @Override
  public void close() {
    super.close();
    watched.clear();
  }
}
