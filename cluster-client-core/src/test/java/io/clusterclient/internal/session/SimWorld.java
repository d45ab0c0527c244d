package io.clusterclient.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterclient.ClusterException;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.LeaderLostException;
import io.clusterclient.Role;
import io.clusterclient.internal.proxy.MethodInfo;
import io.clusterclient.internal.transport.Transport;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A host in a test: a manual clock, one queue of tasks for every simulated process, and a model of
 * the port, the leaders and their connections. Everything runs on the test's thread, in an order
 * chosen by a seeded {@link Random}: one seed, one interleaving, replayed exactly.
 */
final class SimWorld {
  final Random random;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long now = 1_000_000_000L;
  private long seq;
  /** Who holds each port. */
  final Map<Integer, SimLeader> holders = new HashMap<>();
  final List<String> violations = new ArrayList<>();
  /** Every leader ever made: a killed process's leader dies even after it freed the port. */
  final List<SimLeader> leaders = new ArrayList<>();
  /** Every backend ever made, to check that each is closed in the end. */
  final List<SimBackend> backends = new ArrayList<>();
  double factoryFailure = 0.05;

  SimWorld(long seed) {
    this.random = new Random(seed);
  }

  private record Task(long due, long tiebreak, long seq, Runnable run) implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      if (due != o.due) {
        return Long.compare(due, o.due);
      }
      if (tiebreak != o.tiebreak) {
        return Long.compare(tiebreak, o.tiebreak);
      }
      return Long.compare(seq, o.seq);
    }
  }

  long now() {
    return now;
  }

  /** Runs a task after a delay; tasks due at the same time run in a random order. */
  Runnable at(long delayNanos, Runnable run) {
    boolean[] cancelled = new boolean[1];
    tasks.add(new Task(now + Math.max(0, delayNanos), random.nextLong(), seq++, () -> {
      if (!cancelled[0]) {
        run.run();
      }
    }));
    return () -> cancelled[0] = true;
  }

  /** A small random delay, as a hop between threads or processes takes. */
  long jitter() {
    return random.nextInt(200_000);
  }

  /** Runs the next task; false when none is left. */
  boolean step() {
    Task t = tasks.poll();
    if (t == null) {
      return false;
    }
    now = Math.max(now, t.due);
    t.run.run();
    return true;
  }

  int pending() {
    return tasks.size();
  }

  /** A loop of one simulated process: tasks posted to it keep their order, as a real loop's do. */
  SessionLoop loop() {
    return new SessionLoop() {
      private long lastDue;

      @Override
      public void execute(Runnable task) {
        // Posted tasks run in the order posted: each one after the one before, never sooner.
        lastDue = Math.max(lastDue, now) + 1;
        Task t = new Task(lastDue, 0, seq++, task);
        tasks.add(t);
      }

      @Override
      public boolean inLoop() {
        return false;
      }

      @Override
      public Runnable schedule(Runnable task, long delayNanos) {
        return at(delayNanos, task);
      }

      @Override
      public long nanoTime() {
        return now;
      }
    };
  }

  /** Runs callbacks later, in a random order among themselves: the worker pool. */
  Executor workers() {
    return task -> at(jitter(), task);
  }

  void violation(String what) {
    violations.add("at " + now + ": " + what);
  }

  // ---- the model of leaders and connections ----

  /** A process's hold on the port: its real client, and the followers connected to it. */
  final class SimLeader {
    final SimProcess owner;
    final int port;
    final List<SimBackend> followers = new ArrayList<>();
    final Set<String> upstream = new LinkedHashSet<>();
    boolean hung;
    boolean gone;
    /** Freed the port and told its followers; serves them until they leave or the limit. */
    boolean handingOver;
    Runnable handedOver = () -> {};

    SimLeader(SimProcess owner, int port) {
      this.owner = owner;
      this.port = port;
      leaders.add(this);
    }

    /** A follower left: the last one to leave a leader that hands over lets it close. */
    void followerLeft() {
      if (handingOver && followers.isEmpty()) {
        handedOver.run();
      }
    }

    /** The port is free again; every follower hears the loss a little later. */
    void die() {
      if (gone) {
        return;
      }
      gone = true;
      if (holders.get(port) == this) {
        holders.remove(port);
      }
      for (SimBackend f : new ArrayList<>(followers)) {
        f.connectionLost();
      }
      followers.clear();
    }
  }

  /** A backend of either role; records what it was told, to check replays. */
  final class SimBackend implements Backend {
    final SimProcess process;
    final Role role;
    final SimLeader leader;
    final BackendEvents events;
    final Map<String, Integer> subscribed = new HashMap<>();
    final Set<CompletableFuture<Object>> inFlight = new HashSet<>();
    boolean closed;
    boolean lost;
    /** A follower whose leader hands over: sends nothing new, closes once drained. */
    boolean retired;

    SimBackend(SimProcess process, Role role, SimLeader leader, BackendEvents events) {
      this.process = process;
      this.role = role;
      this.leader = leader;
      this.events = events;
      backends.add(this);
    }

    @Override
    public Role role() {
      return role;
    }

    private boolean reachable() {
      return !closed && !lost && !leader.gone;
    }

    @Override
    public Object invokeSync(MethodInfo info, Object[] args, long deadlineNanos) {
      throw new UnsupportedOperationException("the simulation is single-threaded: async calls only");
    }

    @Override
    public CompletableFuture<Object> invokeAsync(MethodInfo info, Object[] args, long deadlineNanos) {
      CompletableFuture<Object> out = new CompletableFuture<>();
      if (retired) {
        out.completeExceptionally(new NotSentException("sim: retired"));
        return out;
      }
      if (!reachable()) {
        out.completeExceptionally(new LeaderLostException("sim: not connected", null));
        return out;
      }
      inFlight.add(out);
      at(jitter(), () -> {
        if (!leader.hung && reachable() && inFlight.remove(out)) {
          out.complete("ok:" + args[0]);
          closeWhenDrained();
        }
      });
      at(deadlineNanos - now, () -> {
        if (inFlight.remove(out)) {
          out.completeExceptionally(new ClusterTimeoutException("sim: timed out", Duration.ZERO));
          closeWhenDrained();
        }
      });
      return out;
    }

    @Override
    public CompletableFuture<Void> handOver(Duration limit) {
      if (role != Role.LEADER || closed || leader.gone || leader.handingOver) {
        return close();
      }
      leader.handingOver = true;
      if (holders.get(leader.port) == leader) {
        holders.remove(leader.port); // the port is free; the followers are told
      }
      CompletableFuture<Void> done = new CompletableFuture<>();
      boolean[] finished = new boolean[1];
      leader.handedOver =
          () -> {
            if (!finished[0]) {
              finished[0] = true;
              close().whenComplete((x, e) -> done.complete(null));
            }
          };
      for (SimBackend f : new ArrayList<>(leader.followers)) {
        at(jitter(), () -> {
          if (!f.closed && !f.lost && !leader.gone) {
            f.events.handingOver();
          }
        });
      }
      at(limit.toNanos(), leader.handedOver);
      leader.followerLeft();
      return done;
    }

    @Override
    public CompletableFuture<Void> retire() {
      if (role != Role.FOLLOWER) {
        return close();
      }
      retired = true;
      closeWhenDrained();
      return CompletableFuture.completedFuture(null);
    }

    /** A retired follower leaves once its calls are answered (or timed out). */
    void closeWhenDrained() {
      if (retired && !closed && inFlight.isEmpty()) {
        at(jitter(), this::close);
      }
    }

    @Override
    public void invokeOneway(MethodInfo info, Object[] args) {}

    @Override
    public void publish(Published publish) {
      if (reachable()) {
        leader.upstream.add(publish.key());
      }
    }

    @Override
    public void subscribe(String key, JsonNode reg) {
      if (closed) {
        violation(process + " subscribed " + key + " on a closed backend");
      }
      int n = subscribed.merge(key, 1, Integer::sum);
      if (n > 1) {
        violation(process + " subscribed " + key + " twice on one backend");
      }
      if (reachable()) {
        // The leader answers with a value, as a registry does.
        at(jitter(), () -> {
          if (reachable()) {
            events.pushed(key, ("\"v@" + leader.owner.id + "\"").getBytes());
          }
        });
      }
    }

    @Override
    public void unsubscribe(String key, JsonNode reg) {
      Integer n = subscribed.remove(key);
      if (n == null) {
        violation(process + " unsubscribed " + key + " that it had not subscribed");
      }
    }

    @Override
    public String describe() {
      return role + " of " + process + " (leader " + leader.owner + ")";
    }

    /** The connection closed under this follower: calls in flight fail, the session hears it. */
    void connectionLost() {
      if (lost) {
        return;
      }
      lost = true;
      at(jitter(), () -> {
        for (CompletableFuture<Object> f : new ArrayList<>(inFlight)) {
          f.completeExceptionally(new LeaderLostException("sim: leader lost", null));
        }
        inFlight.clear();
        // Even a closed backend may report, late: the session must not care.
        events.lost(new ClusterException("sim: connection closed"));
        if (random.nextInt(4) == 0) {
          at(jitter(), () -> events.lost(new ClusterException("sim: reported twice")));
        }
      });
    }

    @Override
    public CompletableFuture<Void> close() {
      if (!closed) {
        closed = true;
        for (CompletableFuture<Object> f : new ArrayList<>(inFlight)) {
          f.completeExceptionally(new ClusterException("sim: closed"));
        }
        inFlight.clear();
        if (role == Role.LEADER) {
          leader.die();
        } else {
          leader.followers.remove(this);
          leader.followerLeft();
        }
      }
      CompletableFuture<Void> done = new CompletableFuture<>();
      at(jitter(), () -> done.complete(null));
      return done;
    }
  }

  /** One simulated process: a session machine and how it competes. */
  final class SimProcess implements SessionMachine.Host, Elector {
    final String id;
    final int port;
    final SessionLoop loop = loop();
    final List<Role> roles = new ArrayList<>();
    SessionMachine machine;
    boolean dead;

    SimProcess(String id, int port) {
      this.id = id;
      this.port = port;
    }

    @Override
    public String toString() {
      return id;
    }

    @Override
    public CompletableFuture<Backend> lead(BackendEvents events) {
      CompletableFuture<Backend> out = new CompletableFuture<>();
      at(jitter(), () -> {
        if (dead) {
          return; // a dead process's futures never complete
        }
        SimLeader holder = holders.get(port);
        if (holder != null) {
          out.complete(null);
          return;
        }
        SimLeader mine = new SimLeader(this, port);
        holders.put(port, mine);
        // The real client is created on a worker, later; it may fail.
        at(jitter(), () -> {
          if (dead) {
            return;
          }
          if (random.nextDouble() < factoryFailure) {
            mine.die();
            out.completeExceptionally(new IllegalStateException("sim: upstream is down"));
          } else {
            out.complete(new SimBackend(this, Role.LEADER, mine, events));
          }
        });
      });
      return out;
    }

    @Override
    public CompletableFuture<Backend> follow(BackendEvents events, long deadlineNanos) {
      CompletableFuture<Backend> out = new CompletableFuture<>();
      at(jitter(), () -> {
        if (dead) {
          return;
        }
        SimLeader holder = holders.get(port);
        if (holder == null || holder.gone) {
          out.completeExceptionally(new Elector.NoLeaderException("sim: refused", null));
          return;
        }
        SimBackend b = new SimBackend(this, Role.FOLLOWER, holder, events);
        holder.followers.add(b);
        // Connected now, answered later: the connection may die before its answer arrives.
        at(jitter(), () -> {
          if (!dead && !out.complete(b)) {
            b.close(); // cancelled meanwhile
          }
        });
      });
      return out;
    }

    // ---- host ----

    @Override
    public EventLoop nextLoop() {
      return null;
    }

    @Override
    public Transport transport() {
      return null;
    }

    @Override
    public Executor worker() {
      return workers();
    }

    @Override
    public Executor elections() {
      return workers();
    }

    @Override
    public void remove(SessionMachine session) {}

    @Override
    public boolean isOwnThread() {
      return true; // never wait: the simulation has one thread
    }

    @Override
    public boolean isIoThread() {
      return false;
    }

    @Override
    public Elector electorFor(SessionMachine session) {
      return this;
    }

    @Override
    public void warmUp(SessionMachine session) {}
  }
}
