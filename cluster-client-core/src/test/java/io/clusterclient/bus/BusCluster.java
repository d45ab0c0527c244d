package io.clusterclient.bus;

import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.Role;
import io.clusterclient.internal.runtime.DefaultRuntime;
import io.clusterclient.it.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Bus instances of one test, each on a runtime of its own, as processes would be. Not thread-safe. */
final class BusCluster implements AutoCloseable {
  final int port = Ports.free();
  private final String name;
  private final List<ClusterRuntime> runtimes = new ArrayList<>();
  private final List<ClusterBus> buses = new ArrayList<>();

  BusCluster(String name) {
    this.name = name;
  }

  ClusterBus bus() {
    return bus(b -> b);
  }

  ClusterBus bus(UnaryOperator<ClusterBus.Builder> custom) {
    return bus(custom, o -> o);
  }

  ClusterBus bus(UnaryOperator<ClusterBus.Builder> custom, UnaryOperator<ClusterOptions.Builder> options) {
    ClusterRuntime runtime = ClusterRuntime.builder().name(name + "-" + runtimes.size()).build();
    runtimes.add(runtime);
    // A 1 s heartbeat: a runtime killed in this JVM (halt) may leave its sockets open for a while,
    // unlike a killed process, whose sockets the OS closes; the others then notice by heartbeat.
    ClusterOptions o = options.apply(ClusterOptions.builder().port(port).jmx(false)
        .responseTimeout(Duration.ofSeconds(3)).heartbeatInterval(Duration.ofSeconds(1))).build();
    ClusterBus bus = custom.apply(ClusterBus.builder(name).options(o).runtime(runtime)).create();
    buses.add(bus);
    return bus;
  }

  /**
   * @param n how many
   * @return {@code n} buses in sync, the first one leading
   */
  List<ClusterBus> started(int n) throws Exception {
    List<ClusterBus> started = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ClusterBus b = bus();
      if (i == 0) {
        b.ready().get(20, java.util.concurrent.TimeUnit.SECONDS);
      }
      started.add(b);
    }
    for (ClusterBus b : started) {
      b.ready().get(20, java.util.concurrent.TimeUnit.SECONDS);
    }
    return started;
  }

  /** Kills the process of a bus as a crash would: no handover, its broker left behind. */
  void kill(ClusterBus bus) {
    ((DefaultRuntime) runtimes.get(buses.indexOf(bus))).halt();
  }

  @Override
  public void close() {
    // the leader last: a leader closed first hands over and waits for the others to move
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < buses.size(); i++) {
      if (buses.get(i).handle().role() == Role.LEADER) {
        order.add(i);
      } else {
        order.add(0, i);
      }
    }
    for (int i : order) {
      try {
        buses.get(i).close();
      } catch (RuntimeException e) {
        // a killed one
      }
      runtimes.get(i).close();
    }
  }
}
