package io.clusterclient.benchmarks.workload;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterListener;
import io.clusterclient.ClusterOptions;
import io.clusterclient.Role;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A process of this library's cluster, started by the harness.
 *
 * <pre>
 * ClusterWorker leader|member|startup|footprint PORT NAME
 * </pre>
 *
 * <ul>
 *   <li>{@code leader}: leads ({@code leader(true)}), prints {@code READY}, then serves commands;
 *   <li>{@code member}: competes for the port like any process, prints {@code READY}, then runs the
 *       harness's commands (see {@link Workloads});
 *   <li>{@code startup}: prints {@code READY} as soon as {@code ready()} completes, and exits;
 *   <li>{@code footprint}: measures threads and heap before creating the client, after {@code
 *       ready()} and after 1000 calls, prints {@code FOOTPRINT <json>}, and exits.
 * </ul>
 */
public final class ClusterWorker {
  private ClusterWorker() {}

  public static void main(String[] args) throws Exception {
    long started = System.nanoTime();
    String mode = args[0];
    int port = Integer.parseInt(args[1]);
    String name = args[2];
    Workloads.say("STARTED " + started);
    ObjectMapper json = new ObjectMapper();
    Footprint before = mode.equals("footprint") ? Footprint.take() : null;

    // On SIGTERM (a rolling restart, workload h) a leader hands over rather than vanishing.
    ClusterOptions.Builder options =
        ClusterOptions.builder().name(name).port(port).closeOnShutdown(true);
    if (mode.equals("leader")) {
      options.leader(true);
    }
    long creating = System.nanoTime();
    EchoService client =
        ClusterClient.of(EchoService.class).options(options.build()).create(RealEchoService::new);
    ClusterHandle handle = ClusterClient.handle(client);
    handle.ready().get(60, TimeUnit.SECONDS);
    long ready = System.nanoTime();
    ObjectNode readyLine =
        Workloads.readyLine(json, handle.role().name(), started, creating, ready);
    Workloads.afterReady(
        mode,
        readyLine,
        before,
        json,
        client::echoAsync,
        handle::close,
        () -> new ProxyTarget(client, handle));
  }

  /** Drives the generated proxy, and notes when elections begin and end (for workload f). */
  private static final class ProxyTarget implements Target {
    private final EchoService client;
    private final ClusterHandle handle;
    private volatile long electingAt;
    private volatile long connectedAt;

    ProxyTarget(EchoService client, ClusterHandle handle) {
      this.client = client;
      this.handle = handle;
      // Runs on the calling thread: the timestamps are not delayed by a hop to a worker thread.
      handle.addListener(
          new ClusterListener() {
            @Override
            public void roleChanged(ClusterHandle h, Role role) {
              if (role == Role.ELECTING) {
                electingAt = System.nanoTime();
              } else if (role.isConnected()) {
                connectedAt = System.nanoTime();
              }
            }
          },
          Runnable::run);
    }

    @Override
    public long electingAt() {
      return electingAt;
    }

    @Override
    public long connectedAt() {
      return connectedAt;
    }

    @Override
    public String echo(String value) {
      return client.echo(value);
    }

    @Override
    public CompletableFuture<?> echoAsync(String value) {
      return client.echoAsync(value);
    }

    @Override
    public CompletableFuture<?> echoBytes(byte[] value) {
      return client.echoBytes(value);
    }

    @Override
    public void subscribe(String dataId, Consumer<String> listener) {
      client.subscribe(Map.of("dataId", dataId), listener);
    }

    @Override
    public void publish(String dataId, String value) {
      Map<String, String> reg = new LinkedHashMap<>();
      reg.put("dataId", dataId);
      reg.put("value", value);
      client.publish(reg);
    }

    @Override
    public String role() {
      return handle.role().name();
    }

    @Override
    public void close() {
      handle.close();
    }
  }
}
