package io.clusterclient.samples.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import io.clusterclient.ReadyLater;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real registry: one Curator client, so one ZooKeeper session, a {@link CuratorCache} per watched
 * service and a {@link PersistentNode} per published provider. Through cluster-client only the leader
 * of the host creates one.
 *
 * <p>A published node is a Curator {@code PersistentNode}, not a one-shot create, because of
 * failover: when a leader is killed its session outlives it for up to the session timeout, so the new
 * leader finds the survivors' nodes still there, owned by the dead session. {@code PersistentNode}
 * then watches each node and creates it again, in the new session, as soon as ZooKeeper expires the
 * old one.
 *
 * <p>It connects in the background: the constructor returns at once, and {@link #whenReady()}
 * completes once ZooKeeper has given it a session ({@link ReadyLater}). Through cluster-client, the
 * leader waits for that before it reports ready and answers its followers, and a registry that
 * cannot connect within {@code maxWaitTime} fails {@code ready()} in every process, then is closed;
 * the election runs again later.
 *
 * <pre>{@code
 * try (CuratorServiceRegistry registry = new CuratorServiceRegistry("127.0.0.1:2181", Duration.ofSeconds(10))) {
 *   registry.whenReady().toCompletableFuture().join();
 *   registry.publish(new Registration("demo", "worker-1", "127.0.0.1:8080"));
 *   registry.subscribe(new ServiceQuery("demo"), ids -> System.out.println("providers: " + ids));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Listeners run on this registry's single event thread, in the order of the changes.
 */
public final class CuratorServiceRegistry implements ServiceRegistry, ReadyLater {
  /** The parent of every service node. */
  public static final String ROOT = "/services";

  private static final Logger LOG = LoggerFactory.getLogger(CuratorServiceRegistry.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CuratorFramework curator;
  private final ExecutorService events;
  private final Object lock = new Object();
  private final Map<String, Watch> watches = new HashMap<>();
  private final Map<String, PersistentNode> published = new HashMap<>();
  /** Completes when ZooKeeper gives the first session; fails when none comes in time. */
  private final CompletableFuture<Void> connected = new CompletableFuture<>();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private boolean closed;

  /**
   * Starts connecting to ZooKeeper, without waiting: see {@link #whenReady()}.
   *
   * @param connectString ZooKeeper's {@code host:port[,host:port...]}
   * @param sessionTimeout the session timeout asked for; a killed leader's nodes vanish after it
   */
  public CuratorServiceRegistry(String connectString, Duration sessionTimeout) {
    int sessionMillis = Math.toIntExact(sessionTimeout.toMillis());
    curator =
        CuratorFrameworkFactory.builder()
            .connectString(connectString)
            .sessionTimeoutMs(sessionMillis)
            // Curator warns when the connection timeout exceeds the session timeout.
            .connectionTimeoutMs(sessionMillis)
            .retryPolicy(new ExponentialBackoffRetry(100, 5))
            .build();
    events =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "service-registry-events");
              t.setDaemon(true);
              return t;
            });
    curator.getConnectionStateListenable().addListener((client, state) -> {
      if (state.isConnected()) {
        connected.complete(null);
      }
    });
    int limit = sessionMillis + 10_000;
    connected.orTimeout(limit, TimeUnit.MILLISECONDS).whenComplete((x, e) -> {
      if (e == null) {
        ready.complete(null);
      } else {
        ready.completeExceptionally(new IllegalStateException(
            "no ZooKeeper session with " + connectString + " within " + limit
                + " ms; is ZooKeeper running there?"));
      }
    });
    curator.start();
  }

  /**
   * Completes once ZooKeeper has given this registry a session; fails when none came within the
   * session timeout plus 10 s (cluster-client also bounds the wait by {@code maxWaitTime}).
   *
   * @return the readiness of this registry
   */
  @Override
  public CompletionStage<?> whenReady() {
    return ready;
  }

  /**
   * The node of a service, parent of its providers.
   *
   * @param service the service name
   * @return {@code /services/<service>}
   */
  public static String servicePath(String service) {
    Registration.checkNodeName("service", service);
    return ZKPaths.makePath(ROOT, service);
  }

  /**
   * The node of one provider.
   *
   * @param service the service name
   * @param id the provider id
   * @return {@code /services/<service>/<id>}
   */
  public static String providerPath(String service, String id) {
    Registration.checkNodeName("id", id);
    return ZKPaths.makePath(servicePath(service), id);
  }

  /**
   * This registry's ZooKeeper session, for logs.
   *
   * @return the session id, or 0 while disconnected
   */
  public long sessionId() {
    try {
      return curator.getZookeeperClient().getZooKeeper().getSessionId();
    } catch (Exception e) {
      return 0;
    }
  }

  @Override
  public void subscribe(ServiceQuery query, Consumer<List<String>> listener) {
    synchronized (lock) {
      checkOpen();
      watches.computeIfAbsent(query.service(), Watch::new).add(listener);
    }
  }

  @Override
  public void unSubscribe(ServiceQuery query, Consumer<List<String>> listener) {
    Watch emptied = null;
    synchronized (lock) {
      Watch w = watches.get(query.service());
      if (w != null && w.remove(listener)) {
        watches.remove(query.service());
        emptied = w;
      }
    }
    if (emptied != null) {
      emptied.close();
    }
  }

  @Override
  public void publish(Registration registration) {
    String path = providerPath(registration.service(), registration.id());
    byte[] data;
    try {
      data = JSON.writeValueAsBytes(registration);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + registration + " as JSON", e);
    }
    PersistentNode replaced;
    synchronized (lock) {
      checkOpen();
      PersistentNode existing = published.get(path);
      if (existing != null && Arrays.equals(existing.getData(), data)) {
        return; // published again, unchanged: a replay
      }
      // Changed data: a new node rather than setData, which fails until the first create is done.
      PersistentNode node = new PersistentNode(curator, CreateMode.EPHEMERAL, false, path, data);
      replaced = published.put(path, node);
      closeQuietly(replaced);
      node.start();
    }
  }

  @Override
  public String getData(String path) {
    try {
      return new String(curator.getData().forPath(path), StandardCharsets.UTF_8);
    } catch (KeeperException.NoNodeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + path, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read " + path + ": " + e, e);
    }
  }

  /**
   * Reads a provider's registration.
   *
   * @param json what {@link #getData} returned for a provider node
   * @return the registration
   * @throws IllegalArgumentException when the text is not a registration
   */
  public static Registration parse(String json) {
    try {
      return JSON.readValue(json, Registration.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a registration: " + json, e);
    }
  }

  @Override
  public void close() {
    List<AutoCloseable> toClose = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      toClose.addAll(watches.values());
      toClose.addAll(published.values()); // deletes the nodes now rather than at session end
      watches.clear();
      published.clear();
    }
    toClose.forEach(CuratorServiceRegistry::closeQuietly);
    curator.close();
    events.shutdown();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the registry is closed");
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      // Best effort: the end of the session removes what is left.
      LOG.debug("closing {} failed", c, e);
    }
  }

  /** The watch of one service; its state is touched on the events thread only. */
  private final class Watch implements AutoCloseable {
    private final String path;
    private final CuratorCache cache;
    private final List<Consumer<List<String>>> listeners = new CopyOnWriteArrayList<>();
    private boolean initialized;
    private List<String> last = List.of();

    Watch(String service) {
      path = servicePath(service);
      cache = CuratorCache.build(curator, path);
      cache
          .listenable()
          .addListener(
              CuratorCacheListener.builder()
                  .forAll((type, oldData, data) -> changed())
                  .forInitialized(this::initialized)
                  .build(),
              events);
      cache.start();
    }

    /** Called under the registry's lock. */
    void add(Consumer<List<String>> listener) {
      listeners.add(listener);
      events.execute(
          () -> {
            if (initialized && listeners.contains(listener)) {
              deliver(last, List.of(listener)); // a later listener gets the current list at once
            }
          });
    }

    /** Called under the registry's lock; returns whether no listener is left. */
    boolean remove(Consumer<List<String>> listener) {
      listeners.remove(listener);
      return listeners.isEmpty();
    }

    private void initialized() {
      initialized = true;
      last = providers();
      deliver(last, listeners);
    }

    private void changed() {
      if (!initialized) {
        return; // the initial load ends with forInitialized
      }
      List<String> now = providers();
      if (!now.equals(last)) {
        last = now;
        deliver(now, listeners);
      }
    }

    /** The direct children of the service node; the cache also holds the node itself. */
    private List<String> providers() {
      String prefix = path + "/";
      return cache.stream()
          .map(ChildData::getPath)
          .filter(p -> p.startsWith(prefix) && p.indexOf('/', prefix.length()) < 0)
          .map(ZKPaths::getNodeFromPath)
          .sorted()
          .toList();
    }

    private void deliver(List<String> ids, List<Consumer<List<String>>> targets) {
      for (Consumer<List<String>> l : targets) {
        try {
          l.accept(new ArrayList<>(ids)); // each listener gets its own copy
        } catch (RuntimeException e) {
          // One failing listener must not starve the others (cluster-client's own never throw).
          LOG.warn("a listener of {} threw", path, e);
        }
      }
    }

    @Override
    public void close() {
      cache.close();
    }
  }
}
