package io.clusterclient.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.ClusterOptions;
import io.clusterclient.Idempotent;
import io.clusterclient.Role;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.proxy.MethodTable;
import io.clusterclient.internal.session.SimWorld.SimBackend;
import io.clusterclient.internal.session.SimWorld.SimProcess;
import io.clusterclient.spi.ClientSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Deterministic simulation of the session state machine: the real {@link SessionMachine}, driven
 * by a model of a host ({@link SimWorld}) with a manual clock, from a seed. Each seed plays a few
 * hundred random events (processes created, closed and killed, real clients that fail, leaders
 * that hang, calls, subscriptions, publishes, and the random order in which every reply, loss and
 * timer arrives) and checks the invariants after every step. A failing seed is named in the
 * message; {@code -Dsim.seed=N} replays just that one.
 *
 * <p>{@code -Dsim.seeds=N} runs more seeds (the build runs 300); see README for the soak command.
 */
@Timeout(300)
class SessionSimulationTest {
  private static final int PORT = 7777;

  /** A registration; a record, so it survives the JSON round trip. */
  public record Topic(String name) {}

  public interface SimClient {
    CompletableFuture<String> call(String value);

    @Idempotent
    CompletableFuture<String> read(String value);

    void subscribe(Topic topic, Consumer<String> listener);

    void unsubscribe(Topic topic, Consumer<String> listener);

    void publish(Topic topic);
  }

  private static final MethodTable TABLE =
      MethodTable.of(
          new ClientSpec<>(
              SimClient.class, List.of(), Map.of(), Set.of(), true, ClusterOptions.defaults(), () -> null, null));

  private static MethodInfo method(String name) {
    for (MethodInfo i : TABLE.all()) {
      if (i.name().equals(name)) {
        return i;
      }
    }
    throw new AssertionError(name);
  }

  private static final MethodInfo CALL = method("call");
  private static final MethodInfo READ = method("read");
  private static final MethodInfo SUBSCRIBE = method("subscribe");
  private static final MethodInfo UNSUBSCRIBE = method("unsubscribe");
  private static final MethodInfo PUBLISH = method("publish");

  private static final ClusterOptions OPTIONS =
      ClusterOptions.builder()
          .name("sim")
          .port(PORT)
          .responseTimeout(Duration.ofSeconds(3))
          .maxWaitTime(Duration.ofSeconds(10))
          .build();

  @Test
  void everySeedKeepsTheInvariants() {
    String one = System.getProperty("sim.seed");
    if (one != null) {
      run(Long.parseLong(one), 600);
      return;
    }
    int seeds = Integer.getInteger("sim.seeds", 300);
    long base = Long.getLong("sim.base", 1);
    for (long seed = base; seed < base + seeds; seed++) {
      run(seed, 600);
    }
  }

  /** One call in flight, and when it must have completed by. */
  private record Call(CompletableFuture<Object> future, long mustEndBy, SimProcess from) {}

  private final class Run {
    final long seed;
    final SimWorld world;
    final List<SimProcess> live = new ArrayList<>();
    final List<SimProcess> all = new ArrayList<>();
    final List<Call> calls = new ArrayList<>();
    final Map<SimProcess, Map<String, Consumer<String>>> listeners = new java.util.HashMap<>();
    int created;

    Run(long seed) {
      this.seed = seed;
      this.world = new SimWorld(seed);
    }

    SimProcess create() {
      SimProcess p = world.new SimProcess("p" + (++created), PORT);
      p.machine =
          new SessionMachine(
              new SessionMachine.Key(false, PORT, "sim", SimClient.class, io.clusterclient.ClusterTransport.TCP),
              TABLE,
              OPTIONS,
              () -> null,
              p,
              p.loop);
      p.machine.retain();
      p.machine.addListener(null, new io.clusterclient.ClusterListener() {
        @Override
        public void roleChanged(io.clusterclient.ClusterHandle h, Role role) {
          p.roles.add(role);
        }
      }, Runnable::run);
      p.machine.start();
      live.add(p);
      all.add(p);
      listeners.put(p, new java.util.HashMap<>());
      return p;
    }

    SimProcess any() {
      return live.get(world.random.nextInt(live.size()));
    }

    void act() {
      int r = world.random.nextInt(100);
      if (live.isEmpty() || (r < 4 && live.size() < 5)) {
        create();
      } else if (r < 6) {
        // SIGKILL of the leader, or of anyone
        SimWorld.SimLeader holder = world.holders.get(PORT);
        SimProcess victim = holder != null && world.random.nextBoolean() ? holder.owner : any();
        kill(victim);
      } else if (r < 8) {
        SimProcess p = any();
        live.remove(p);
        p.machine.closeNow();
      } else if (r < 9) {
        SimWorld.SimLeader holder = world.holders.get(PORT);
        if (holder != null) {
          holder.hung = !holder.hung;
        }
      } else if (r < 25) {
        SimProcess p = any();
        MethodInfo m = world.random.nextBoolean() ? CALL : READ;
        try {
          @SuppressWarnings("unchecked")
          CompletableFuture<Object> f =
              (CompletableFuture<Object>) p.machine.invoke(m, new Object[] {"x" + world.now()});
          // Two tries at most, each bounded by the deadline, and the hops around them.
          calls.add(new Call(f, world.now() + TimeUnit.SECONDS.toNanos(3) + TimeUnit.MILLISECONDS.toNanos(50), p));
        } catch (Throwable t) {
          world.violation("an async call threw instead of failing its future: " + t);
        }
      } else if (r < 31) {
        SimProcess p = any();
        String name = "t" + world.random.nextInt(4);
        Consumer<String> l = listeners.get(p).computeIfAbsent(name, k -> v -> {});
        p.machine.subscribe(SUBSCRIBE, new Object[] {new Topic(name), l});
      } else if (r < 34) {
        SimProcess p = any();
        String name = "t" + world.random.nextInt(4);
        Consumer<String> l = listeners.get(p).remove(name);
        if (l != null) {
          p.machine.unsubscribe(UNSUBSCRIBE, new Object[] {new Topic(name), l});
        }
      } else if (r < 38) {
        SimProcess p = any();
        p.machine.publish(PUBLISH, new Object[] {new Topic("pub-" + p.id + "-" + world.random.nextInt(3))});
      } else {
        int steps = 1 + world.random.nextInt(20);
        for (int i = 0; i < steps && world.step(); i++) {
          check();
        }
      }
    }

    void kill(SimProcess victim) {
      live.remove(victim);
      victim.dead = true;
      for (SimBackend b : world.backends) {
        if (b.process == victim && b.role == Role.FOLLOWER) {
          b.leader.followers.remove(b);
          b.leader.followerLeft();
        }
      }
      for (SimWorld.SimLeader l : new ArrayList<>(world.leaders)) {
        if (l.owner == victim) {
          l.die(); // holding the port, or handing it over
        }
      }
    }

    /** The invariants, after every step. */
    void check() {
      long leading = live.stream().filter(p -> p.machine.phase() == SessionMachine.Phase.LEADING).count();
      if (leading > 1) {
        world.violation(leading + " processes lead port " + PORT);
      }
      for (SimProcess p : live) {
        if (p.machine.phase() == SessionMachine.Phase.LEADING) {
          SimBackend b = (SimBackend) p.machine.backend();
          if (b.leader != world.holders.get(PORT) && !b.leader.gone) {
            world.violation(p + " leads with a backend that does not hold the port");
          }
        }
      }
      for (SimProcess p : all) {
        checkRoles(p);
      }
      for (SimProcess p : live) {
        checkAbandoned(p);
      }
      long now = world.now();
      for (Call c : calls) {
        if (!c.future.isDone() && now - c.mustEndBy > 0 && !c.from.dead) {
          world.violation("a call of " + c.from + " is still pending past its deadline");
        }
      }
    }

    /** The backend each process was last seen live with: given up only when lost, or on close. */
    final Map<SimProcess, SimBackend> lastLive = new java.util.HashMap<>();

    void checkAbandoned(SimProcess p) {
      SimBackend now = (SimBackend) p.machine.backend();
      SimBackend before = lastLive.get(p);
      if (before != null && before != now && !before.lost && !before.leader.gone
          && !before.leader.handingOver && p.machine.phase() != SessionMachine.Phase.CLOSED) {
        world.violation(p + " gave up a healthy " + before.describe());
      }
      if (before != null && before.retired && !before.leader.handingOver) {
        world.violation(p + " retired " + before.describe() + " whose leader does not hand over");
      }
      if (now != null) {
        lastLive.put(p, now);
      } else if (before != null && (before.lost || before.leader.gone)) {
        lastLive.remove(p);
      }
    }

    void checkRoles(SimProcess p) {
      List<Role> roles = p.roles;
      for (int i = 0; i < roles.size(); i++) {
        Role r = roles.get(i);
        if (i == 0) {
          continue; // the role the listener joined in: any
        }
        Role before = roles.get(i - 1);
        boolean ok =
            switch (before) {
              case ELECTING -> r == Role.LEADER || r == Role.FOLLOWER || r == Role.CLOSED;
              case LEADER, FOLLOWER -> r == Role.ELECTING || r == Role.CLOSED;
              case CLOSED -> false;
            };
        if (!ok) {
          world.violation(p + " heard " + before + " then " + r + ": " + roles);
          roles.clear(); // reported once
          return;
        }
      }
    }

    /** Chaos stops; the cluster must settle with everything replayed. */
    void settle() {
      SimWorld.SimLeader holder = world.holders.get(PORT);
      if (holder != null) {
        holder.hung = false;
      }
      world.factoryFailure = 0;
      if (live.isEmpty()) {
        create();
      }
      long until = world.now() + TimeUnit.SECONDS.toNanos(60);
      while (world.now() < until && world.step()) {
        check();
        if (settled()) {
          break;
        }
      }
      if (!settled()) {
        world.violation("the cluster did not settle: " + live.stream()
            .map(p -> p + "=" + p.machine.phase()).collect(Collectors.joining(", ")));
        return;
      }
      // Let the replies of the replay arrive, then compare.
      long quiet = world.now() + TimeUnit.MILLISECONDS.toNanos(50);
      while (world.now() < quiet && world.step()) {
        check();
      }
      SimWorld.SimLeader leader = world.holders.get(PORT);
      for (SimProcess p : live) {
        SimBackend b = (SimBackend) p.machine.backend();
        if (b == null || b.leader != leader) {
          world.violation(p + " is not connected to the leader after settling");
          continue;
        }
        Set<String> wanted = p.machine.wanted().stream()
            .map(Subscriptions.Registration::key).collect(Collectors.toSet());
        if (!b.subscribed.keySet().equals(wanted)) {
          world.violation(p + " wants " + wanted + " but its leader was told " + b.subscribed.keySet());
        }
      }
    }

    boolean settled() {
      long leading = live.stream().filter(p -> p.machine.phase() == SessionMachine.Phase.LEADING).count();
      return leading == 1 && live.stream().allMatch(p -> p.machine.phase().isLive()
          && ((SimBackend) p.machine.backend()).leader == world.holders.get(PORT));
    }

    void closeAll() {
      for (SimProcess p : new ArrayList<>(live)) {
        p.machine.closeNow();
      }
      live.clear();
      int guard = 0;
      while (world.step()) {
        if (++guard > 1_000_000) {
          world.violation("tasks never stop");
          break;
        }
        check();
      }
      for (Call c : calls) {
        if (!c.future.isDone() && !c.from.dead) {
          world.violation("a call of " + c.from + " never completed");
        }
      }
      for (SimBackend b : world.backends) {
        if (!b.process.dead && !b.closed) {
          world.violation(b.describe() + " was never closed");
        }
        if (!b.process.dead && !b.inFlight.isEmpty()) {
          world.violation(b.describe() + " still has calls in flight");
        }
      }
      for (SimProcess p : all) {
        if (!p.dead && p.machine.phase() != SessionMachine.Phase.CLOSED) {
          world.violation(p + " is not closed");
        }
        if (!p.dead && (p.roles.isEmpty() || p.roles.get(p.roles.size() - 1) != Role.CLOSED)) {
          world.violation(p + " did not hear CLOSED last: " + p.roles);
        }
      }
      if (world.holders.values().stream().anyMatch(h -> !h.owner.dead)) {
        world.violation("a closed process still holds the port");
      }
    }
  }

  private void run(long seed, int events) {
    Run run = new Run(seed);
    for (int i = 0; i < 3; i++) {
      run.create();
    }
    for (int i = 0; i < events && run.world.violations.isEmpty(); i++) {
      run.act();
    }
    if (run.world.violations.isEmpty()) {
      run.settle();
    }
    if (run.world.violations.isEmpty()) {
      run.closeAll();
    }
    assertThat(run.world.violations)
        .as("seed %d (replay with -Dsim.seed=%d)", seed, seed)
        .isEmpty();
  }

  /** A seed's run is the same every time: the simulation is deterministic. */
  @Test
  void aSeedReplaysExactly() {
    assertThat(trace(42)).isEqualTo(trace(42));
  }

  private List<String> trace(long seed) {
    Run run = new Run(seed);
    run.create();
    run.create();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      run.act();
      out.add(run.world.now() + " " + run.live.stream()
          .map(p -> p.id + ":" + p.machine.phase()).collect(Collectors.joining(",")));
    }
    return out;
  }
}
