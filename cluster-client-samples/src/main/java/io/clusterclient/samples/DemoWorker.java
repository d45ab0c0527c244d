package io.clusterclient.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.ClusterOptions;
import io.clusterclient.launcher.ClusterLauncher;
import io.clusterclient.Role;
import io.clusterclient.samples.registry.ProviderDirectory;
import io.clusterclient.samples.registry.Registration;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One worker JVM of {@link MultiWorkerDemo}: it joins the shared {@link ProviderDirectory}, registers
 * itself as a provider of the demo service, and answers over HTTP on a free port of 127.0.0.1:
 *
 * <ul>
 *   <li>{@code GET /providers?service=demo}: the provider ids, from this JVM's cache (add {@code
 *       &details=true} to read each registration through the leader as well);
 *   <li>{@code GET /status}: id, pid, role and the number of {@code /providers} requests served.
 * </ul>
 *
 * <p>Arguments: {@code id zkConnectString clusterPort sessionTimeoutMillis service}; an id of {@code
 * auto} means {@code worker-<n>}, n being the number {@link ClusterLauncher} gives it. Prints {@code
 * READY id=<id> pid=<pid> http=<port> role=<role>} once it serves. SIGTERM (the launcher stopping it)
 * closes its clients, handing over if it leads; it also exits when its standard input ends: the
 * launcher died.
 */
final class DemoWorker {
  /** The start of the line that tells the launcher this worker serves. */
  static final String READY = "READY ";

  /** The client name shared by the workers on the cluster port. */
  static final String CLIENT_NAME = "service-registry";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicBoolean STOPPED = new AtomicBoolean();

  private final String id;
  private final String service;
  private final ProviderDirectory directory;
  private final AtomicLong served = new AtomicLong();

  private DemoWorker(String id, String service, ProviderDirectory directory) {
    this.id = id;
    this.service = service;
    this.directory = directory;
  }

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) { // exit anyway: cluster-client's and Curator's threads would keep us alive
      System.out.println("failed: " + t);
      t.printStackTrace(System.out);
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    String id =
        args[0].equals("auto") ? "worker-" + System.getProperty(ClusterLauncher.WORKER_ID_PROPERTY) : args[0];
    String zk = args[1];
    int clusterPort = Integer.parseInt(args[2]);
    Duration sessionTimeout = Duration.ofMillis(Long.parseLong(args[3]));
    String service = args[4];
    long pid = ProcessHandle.current().pid();

    ProviderDirectory directory =
        new ProviderDirectory(
            zk, sessionTimeout, ClusterOptions.builder().name(CLIENT_NAME).port(clusterPort).build());
    ExecutorService httpThreads = Executors.newFixedThreadPool(4, DemoWorker::daemon);
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    // SIGTERM (Process.destroy) runs this; SIGKILL, which the demo sends the leader, runs nothing.
    Thread onExit = new Thread(() -> stop(http, httpThreads, directory), "demo-worker-exit");
    Runtime.getRuntime().addShutdownHook(onExit);

    ClusterHandle handle = directory.clusterHandle();
    handle.addListener(
        new ClusterListener() {
          @Override
          public void roleChanged(ClusterHandle h, Role role) {
            System.out.println("pid " + pid + " is now " + describe(role));
          }

          @Override
          public void error(ClusterHandle h, Throwable error) {
            System.out.println("pid " + pid + " error: " + error.getMessage());
          }
        });
    directory.ready().get(60, TimeUnit.SECONDS);

    DemoWorker worker = new DemoWorker(id, service, directory);
    http.createContext("/providers", worker::providers);
    http.createContext("/status", worker::status);
    http.setExecutor(httpThreads);
    http.start();
    int httpPort = http.getAddress().getPort();

    directory.register(new Registration(service, id, "127.0.0.1:" + httpPort));
    directory.providers(service); // subscribes now, so that the first request finds the cache warm
    System.out.println(
        READY + "id=" + id + " pid=" + pid + " http=" + httpPort + " role=" + handle.role());

    InputStream in = System.in;
    while (in.read() >= 0) {
      // The launcher never writes: the end of input is the signal to leave.
    }
    System.out.println("pid " + pid + " leaving");
    stop(http, httpThreads, directory);
    Runtime.getRuntime().removeShutdownHook(onExit);
    System.exit(0);
  }

  private static String describe(Role role) {
    return switch (role) {
      case LEADER -> "LEADER: this JVM holds the real registry, the host's one ZooKeeper session";
      case FOLLOWER -> "FOLLOWER: registry calls go to the leader";
      case ELECTING -> "ELECTING: the leader is gone, competing for the cluster port";
      case CLOSED -> "CLOSED";
    };
  }

  private static void stop(HttpServer http, ExecutorService httpThreads, ProviderDirectory directory) {
    if (!STOPPED.compareAndSet(false, true)) {
      return;
    }
    http.stop(0);
    httpThreads.shutdownNow();
    directory.close();
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "demo-worker-http");
    t.setDaemon(true);
    return t;
  }

  private void providers(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> query = query(exchange);
      String asked = query.getOrDefault("service", service);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("service", asked);
      body.put("answeredBy", id);
      try {
        List<String> ids = directory.providers(asked); // the cache: no call to the leader
        body.put("providers", ids);
        if (Boolean.parseBoolean(query.get("details"))) {
          List<Object> registrations = new ArrayList<>();
          for (String provider : ids) {
            // getData: a call that the leader's real client answers.
            directory.registration(asked, provider).ifPresent(registrations::add);
          }
          body.put("registrations", registrations);
        }
        served.incrementAndGet();
        reply(exchange, 200, body);
      } catch (RuntimeException e) {
        body.put("error", e.toString());
        reply(exchange, 503, body);
      }
    }
  }

  private void status(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("id", id);
      body.put("pid", ProcessHandle.current().pid());
      body.put("role", directory.clusterHandle().role().toString());
      body.put("served", served.get());
      reply(exchange, 200, body);
    }
  }

  private static Map<String, String> query(HttpExchange exchange) {
    Map<String, String> out = new HashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(
              URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  private static void reply(HttpExchange exchange, int code, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
