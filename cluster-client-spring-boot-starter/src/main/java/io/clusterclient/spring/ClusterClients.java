package io.clusterclient.spring;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterClientBuilder;
import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.ClusterOptions;
import io.clusterclient.RealClientFactory;
import io.clusterclient.Role;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Creates shared clients whose options come from the application properties, and closes them when
 * the application context closes. The starter registers one as a bean; declare each shared client
 * as a {@code @Bean} that asks it for the proxy, which is then injectable by its type:
 *
 * <pre>{@code
 * @Bean
 * Greeter greeter(ClusterClients clusterClients) {
 *   return clusterClients.create(Greeter.class, RealGreeter::new); // RealGreeter: leader only
 * }
 *
 * @Bean
 * Registry registry(ClusterClients clusterClients, ZkSettings zk) {
 *   return clusterClients.of(Registry.class)
 *       .name("registry")                                  // cluster-client.clients.registry.*
 *       .configure(builder -> builder.delegate("getData").idempotent("getData"))
 *       .options(options -> options.responseTimeout(Duration.ofSeconds(5)))
 *       .create(() -> new ZkRegistry(zk.address()));
 * }
 * }</pre>
 *
 * <p>The options of a client are, from weakest to strongest: the library's own fallbacks (system
 * properties {@code clusterclient.*}, environment variables {@code CLUSTER_CLIENT_*}, defaults),
 * the properties {@code cluster-client.*}, the name given in code, the properties {@code
 * cluster-client.clients.<name>.*}, then the options customizer given in code. {@code
 * closeOnShutdown} is always off: the application context closes its clients (Spring Boot closes
 * the context on SIGTERM through its own shutdown hook), so the library's hook would only race it.
 *
 * <p>{@link #close()} closes every client this made, newest first; the leader of a client then
 * hands over to a follower (see the library's handover). Spring calls it when the context closes,
 * after the beans that use the clients are gone.
 *
 * <p>Thread-safe.
 */
public final class ClusterClients implements AutoCloseable {
  private final ClusterClientProperties properties;
  private final Object lock = new Object();
  private final List<ClusterHandle> handles = new ArrayList<>(); // guarded by lock
  private final Map<ClusterHandle, AtomicReference<Throwable>> errors =
      new IdentityHashMap<>(); // guarded by lock
  private boolean closed; // guarded by lock

  /**
   * Creates an empty set of clients.
   *
   * @param properties the bound application properties
   */
  public ClusterClients(ClusterClientProperties properties) {
    this.properties = Objects.requireNonNull(properties, "properties");
  }

  /**
   * Creates a shared client named after the simple name of its type, with the options of the
   * application properties.
   *
   * @param type the client type: an interface, or a non-final class
   * @param factory creates the real client; runs in the leader only, on a cluster-client worker
   *     thread
   * @param <T> the client type
   * @return the proxy; see {@link ClusterClient#handle(Object)} for its handle
   * @throws ClusterConfigurationException when a property or rule is invalid; the message names it
   */
  public <T> T create(Class<T> type, RealClientFactory<? extends T> factory) {
    return of(type).create(factory);
  }

  /**
   * Starts describing a shared client of the given type, for a name, delegation rules or options
   * in code.
   *
   * @param type the client type: an interface, or a non-final class
   * @param <T> the client type
   * @return a new builder
   */
  public <T> Builder<T> of(Class<T> type) {
    return new Builder<>(this, Objects.requireNonNull(type, "type"));
  }

  /**
   * The options that a client of this name gets from the application properties, for a client
   * made another way (for example the {@code clusterOptions()} of an {@code APIClientBase}).
   * {@code closeOnShutdown} is off: close that client with the context, as a {@code @Bean} of an
   * {@code AutoCloseable} type is.
   *
   * @param name the client name: the key of {@code cluster-client.clients.<name>.*}, and the
   *     channel name unless a property renames it
   * @return the options
   * @throws ClusterConfigurationException when a property is invalid; the message names it
   */
  public ClusterOptions options(String name) {
    return resolve(Objects.requireNonNull(name, "name"), name, null);
  }

  /**
   * The handles of the clients made so far and not yet closed by {@link #close()}, oldest first.
   *
   * @return a snapshot
   */
  public List<ClusterHandle> handles() {
    synchronized (lock) {
      return List.copyOf(handles);
    }
  }

  /**
   * Why a client made here is not ready: the last error its listeners heard since it was last
   * connected (for example that its real client could not be created), for a health check. {@link
   * ClusterHandle#ready()} cannot say it, because a failed election starts the next one at once.
   *
   * @param handle the handle of a client made here
   * @return the error, or empty when there was none since the client was last connected
   */
  public Optional<Throwable> lastError(ClusterHandle handle) {
    AtomicReference<Throwable> error;
    synchronized (lock) {
      error = errors.get(handle);
    }
    return error == null ? Optional.empty() : Optional.ofNullable(error.get());
  }

  /**
   * Closes every client made here, newest first, each after the previous one has closed (a leader
   * hands over, bounded by its {@code handoverTimeout}). Idempotent. A failure is thrown once all
   * are closed, later ones attached as suppressed.
   */
  @Override
  public void close() {
    List<ClusterHandle> toClose;
    synchronized (lock) {
      closed = true;
      toClose = new ArrayList<>(handles);
      handles.clear();
      errors.clear();
    }
    RuntimeException failure = null;
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private <T> T create(Builder<T> spec, RealClientFactory<? extends T> factory) {
    Objects.requireNonNull(factory, "factory");
    String key = spec.name != null ? spec.name : spec.type.getSimpleName();
    ClusterOptions options = resolve(key, spec.name, spec.options);
    ClusterClientBuilder<T> builder = ClusterClient.of(spec.type);
    if (spec.configure != null) {
      spec.configure.accept(builder);
    }
    synchronized (lock) {
      // Checked before creating, so that a closing context never starts a new election.
      requireOpen(key);
    }
    T client = builder.options(options).create(factory);
    ClusterHandle handle = ClusterClient.handle(client);
    AtomicReference<Throwable> lastError = new AtomicReference<>();
    handle.addListener(new ErrorRecorder(lastError));
    synchronized (lock) {
      if (!closed) {
        handles.add(handle);
        errors.put(handle, lastError);
        return client;
      }
    }
    handle.close();
    throw closedException(key);
  }

  private void requireOpen(String key) {
    if (closed) {
      throw closedException(key);
    }
  }

  private static IllegalStateException closedException(String key) {
    return new IllegalStateException(
        "cannot create the shared client '" + key + "': its ClusterClients is closed, because the "
            + "application context is closing");
  }

  private ClusterOptions resolve(
      String key, String nameInCode, Consumer<? super ClusterOptions.Builder> optionsInCode) {
    List<ClusterOptionsProperties.Setting> settings =
        new ArrayList<>(properties.settings(ClusterClientProperties.PREFIX));
    ClusterOptions.Builder builder = ClusterOptions.builder();
    apply(builder, settings, key);
    if (nameInCode != null) {
      builder.name(nameInCode);
    }
    Map.Entry<String, ClusterOptionsProperties> own = ownProperties(key);
    if (own != null) {
      List<ClusterOptionsProperties.Setting> ownSettings =
          own.getValue().settings(ClusterClientProperties.PREFIX + ".clients." + own.getKey());
      apply(builder, ownSettings, key);
      settings.addAll(ownSettings);
    }
    builder.closeOnShutdown(false);
    if (optionsInCode != null) {
      optionsInCode.accept(builder);
    }
    ClusterOptions options;
    try {
      options = builder.build();
    } catch (ClusterConfigurationException e) {
      throw explain(key, settings, e);
    }
    if (options.closeOnShutdown()) {
      throw new ClusterConfigurationException(
          "the options of shared client '" + key + "' turn closeOnShutdown on: remove "
              + "closeOnShutdown(true) from its options in code. The application context closes "
              + "the client (Spring Boot closes the context on SIGTERM), and a leader then hands "
              + "over; the library's own shutdown hook would race that close");
    }
    return options;
  }

  /** This client's own properties: the exact key, else one that differs only in case. */
  private Map.Entry<String, ClusterOptionsProperties> ownProperties(String key) {
    Map<String, ClusterOptionsProperties> clients = properties.getClients();
    if (clients == null) {
      return null;
    }
    ClusterOptionsProperties exact = clients.get(key);
    if (exact != null) {
      return Map.entry(key, exact);
    }
    for (Map.Entry<String, ClusterOptionsProperties> e : clients.entrySet()) {
      if (e.getKey().equalsIgnoreCase(key) && e.getValue() != null) {
        return e;
      }
    }
    return null;
  }

  private static void apply(
      ClusterOptions.Builder builder, List<ClusterOptionsProperties.Setting> settings, String key) {
    for (ClusterOptionsProperties.Setting s : settings) {
      try {
        s.apply().accept(builder);
      } catch (ClusterConfigurationException e) {
        throw invalidProperty(s.property(), key, e);
      }
    }
  }

  /**
   * Names the property behind a failed build: the library's message names the option but not
   * where its value came from. Each property is tried alone; when none fails alone, the value came
   * from a system property, an environment variable or the code, which the message says.
   */
  private static ClusterConfigurationException explain(
      String key, List<ClusterOptionsProperties.Setting> settings, ClusterConfigurationException e) {
    try {
      ClusterOptions.builder().build();
    } catch (ClusterConfigurationException fromEnvironment) {
      // The library's message names the system property or environment variable.
      return new ClusterConfigurationException(
          "invalid options for shared client '" + key + "': " + e.getMessage(), e);
    }
    for (ClusterOptionsProperties.Setting s : settings) {
      ClusterOptions.Builder alone = ClusterOptions.builder();
      s.apply().accept(alone);
      try {
        alone.build();
      } catch (ClusterConfigurationException failed) {
        return invalidProperty(s.property(), key, e);
      }
    }
    return new ClusterConfigurationException(
        "invalid options for shared client '" + key + "', as set in code by its options "
            + "customizer: " + e.getMessage(),
        e);
  }

  private static ClusterConfigurationException invalidProperty(
      String property, String key, ClusterConfigurationException e) {
    return new ClusterConfigurationException(
        "invalid property " + property + " (shared client '" + key + "'): " + e.getMessage()
            + "; fix it where the application's configuration sets it (application.properties or "
            + "application.yml, an environment variable, a command-line argument)",
        e);
  }

  /** Keeps a client's last error until it is connected again. Runs on a cluster-client worker. */
  private static final class ErrorRecorder implements ClusterListener {
    private final AtomicReference<Throwable> lastError;

    ErrorRecorder(AtomicReference<Throwable> lastError) {
      this.lastError = lastError;
    }

    @Override
    public void roleChanged(ClusterHandle handle, Role role) {
      if (role.isConnected()) {
        lastError.set(null);
      }
    }

    @Override
    public void error(ClusterHandle handle, Throwable error) {
      lastError.set(error);
    }
  }

  /**
   * Describes one shared client: its name, delegation rules and options in code. Not thread-safe;
   * use it within the {@code @Bean} method that creates the client.
   *
   * @param <T> the client type
   */
  public static final class Builder<T> {
    private final ClusterClients owner;
    private final Class<T> type;
    private String name;
    private Consumer<? super ClusterClientBuilder<T>> configure;
    private Consumer<? super ClusterOptions.Builder> options;

    private Builder(ClusterClients owner, Class<T> type) {
      this.owner = owner;
      this.type = type;
    }

    /**
     * Names the client: the channel name shared by the processes (unless a property renames it),
     * and the key of its properties {@code cluster-client.clients.<name>.*}. Default: the simple
     * name of the type.
     *
     * @param name a non-empty name; lower case reads best in properties
     * @return this builder
     */
    public Builder<T> name(String name) {
      if (Objects.requireNonNull(name, "name").isEmpty()) {
        throw new ClusterConfigurationException("the name of a shared client must not be empty");
      }
      this.name = name;
      return this;
    }

    /**
     * Adds delegation rules, overrides, idempotent methods or a runtime to the library's builder.
     * Options set there are replaced: give them to {@link #options(Consumer)}.
     *
     * @param configure runs once, in {@link #create}
     * @return this builder
     */
    public Builder<T> configure(Consumer<? super ClusterClientBuilder<T>> configure) {
      this.configure = Objects.requireNonNull(configure, "configure");
      return this;
    }

    /**
     * Sets options in code. They win over the properties; {@code closeOnShutdown(true)} is
     * rejected, as the context closes the client.
     *
     * @param options runs once, in {@link #create}, on a builder that holds the properties' values
     * @return this builder
     */
    public Builder<T> options(Consumer<? super ClusterOptions.Builder> options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * Creates the shared client; it closes with the application context.
     *
     * @param factory creates the real client; runs in the leader only, on a cluster-client worker
     *     thread
     * @return the proxy; see {@link ClusterClient#handle(Object)} for its handle
     * @throws ClusterConfigurationException when a property or rule is invalid; the message names it
     * @throws IllegalStateException when the application context is closing
     */
    public T create(RealClientFactory<? extends T> factory) {
      return owner.create(this, factory);
    }
  }
}
