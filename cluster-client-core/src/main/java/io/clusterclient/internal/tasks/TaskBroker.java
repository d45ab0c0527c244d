package io.clusterclient.internal.tasks;

import io.clusterclient.internal.Threads;
import io.clusterclient.internal.codec.RemoteErrors;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real client of a task queue: it lives in the leader's process, holds the wait queue and
 * assigns each task to the serving member with the most free slots. A member never gets more tasks
 * than the slots it declared; a task whose worker leaves, or holds it past its deadline, goes to
 * another worker with its delivery count raised; after {@code maxDeliveries} it fails instead.
 *
 * <p>A broker made after a leader change starts empty and learns the queue back from the members:
 * the workers claim what they run, the submitters re-submit what they still wait for. A re-submitted
 * task that no worker claims waits until every worker of the previous broker (each broker tells the
 * members its list of workers, and they pass it on) has said hello, or until the recovery window has
 * passed when one never does (it died with the leader); it is then delivered again, counting as a
 * redelivery: whether it ran is not known.
 *
 * <p>Thread-safe: one lock guards the state; pushes happen under it, in order (they only encode and
 * enqueue). Time comes from the injected clock and scheduler, so tests drive it.
 */
public final class TaskBroker implements TaskChannel, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskBroker.class);
  /** Outcomes of tasks the broker does not know (yet) are kept this long, for a re-submit to find. */
  static final long EARLY_RETENTION_MILLIS = 60_000;
  /** And at most this many of them. */
  static final int MAX_EARLY = 10_000;
  /** The ids of completed tasks are kept as long, and at most this many. */
  static final int MAX_COMPLETED = 100_000;

  /** Runs a task later; the returned runnable cancels it. */
  @FunctionalInterface
  public interface Scheduler {
    /**
     * Schedules a task.
     *
     * @param task what to run
     * @param delayMillis after how long
     * @return cancels it
     */
    Runnable schedule(Runnable task, long delayMillis);
  }

  /**
   * The broker's settings, the same in every process by convention (the leader's apply).
   *
   * @param queue the queue name, for messages
   * @param maxWaiting the most tasks waiting for a slot
   * @param maxDeliveries after this many deliveries a task fails instead of going out again
   * @param recoveryWindowMillis how long a re-submitted, unclaimed task waits for its worker
   */
  public record Settings(String queue, int maxWaiting, int maxDeliveries, long recoveryWindowMillis) {}

  /** The member of the broker's own process, left out of the workers it lists: it dies with it. */
  private final String localMember;
  /** While recovering: the workers the previous broker listed, and those that said hello since. */
  private final java.util.Set<String> expected = new java.util.HashSet<>();
  private final java.util.Set<String> greeted = new java.util.HashSet<>();
  private boolean heardFromSurvivor;
  private java.util.Set<String> workersPushed = java.util.Set.of();

  private final String id = UUID.randomUUID().toString();
  private final Settings settings;
  private final Scheduler scheduler;
  private final LongSupplier clockMillis;
  private final Runnable onClose;

  private final Object lock = new Object();
  private final Map<String, MemberState> members = new HashMap<>();
  private final Map<String, TaskState> tasks = new HashMap<>();
  private final ArrayDeque<TaskState> waiting = new ArrayDeque<>();
  /** Re-submitted tasks waiting for the recovery window to end, or for their worker's claim. */
  private final List<TaskState> parked = new ArrayList<>();
  /** Outcomes of unknown tasks (finished under the previous leader, or claimed and lost), by id. */
  private final LinkedHashMap<String, Early> early = new LinkedHashMap<>();
  /** Ids of tasks completed lately, by when: a late re-submit or a later delivery's outcome is dropped. */
  private final LinkedHashMap<String, Long> completed = new LinkedHashMap<>();
  private boolean recovering;
  private long assignments;
  private boolean closed;

  private static final class MemberState {
    final String id;
    long pid;
    Consumer<Push> listener;
    int slots;
    /** Tasks this member runs now, by id, with their delivery count; insertion order. */
    final LinkedHashMap<String, Integer> busy = new LinkedHashMap<>();
    long lastAssigned;
    /** It refused a task: its view of itself differs from the broker's until its next hello. */
    boolean refusing;
    long helloSeq = -1;
    /**
     * Tasks this member reported finished after it had built a hello not yet heard here, with the
     * number of its newest hello then: a hello up to that number claims them stale. Emptied as newer
     * hellos come, so it holds at most the tasks that finished while a hello was on its way.
     */
    final Map<String, Long> finishedUnheard = new HashMap<>();

    MemberState(String id) {
      this.id = id;
    }

    int free() {
      return listener == null || refusing ? 0 : slots - busy.size();
    }
  }

  private static final class TaskState {
    final String id;
    final String submitter;
    com.fasterxml.jackson.databind.JsonNode payload;
    long deadlineMillis;
    int delivery;
    MemberState runningOn;
    Runnable cancelExpiry;
    boolean cancelled;

    TaskState(String id, String submitter) {
      this.id = id;
      this.submitter = submitter;
    }
  }

  private record Early(Done done, long atMillis) {}

  /**
   * Creates a broker.
   *
   * @param settings its settings
   * @param scheduler runs deadline and recovery timers
   * @param clockMillis the time, in milliseconds
   * @param onClose what to run when it closes (stops the scheduler's thread)
   * @param localMember the member of this process, or null
   */
  public TaskBroker(
      Settings settings, Scheduler scheduler, LongSupplier clockMillis, Runnable onClose, String localMember) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.localMember = localMember;
    this.scheduler = scheduler;
    this.clockMillis = clockMillis;
    this.onClose = onClose;
    this.recovering = settings.recoveryWindowMillis() > 0;
    if (recovering) {
      scheduler.schedule(this::endRecovery, settings.recoveryWindowMillis());
    }
  }

  /**
   * Creates a broker with its own timer thread, stopped when it closes.
   *
   * @param settings its settings
   * @param localMember the member of this process, or null
   * @return a new broker
   */
  public static TaskBroker create(Settings settings, String localMember) {
    ScheduledThreadPoolExecutor timer = Threads.daemonTimer("cluster-tasks-broker-" + settings.queue());
    return new TaskBroker(settings, scheduler(timer), System::currentTimeMillis, timer::shutdownNow, localMember);
  }

  /**
   * A scheduler running on an executor.
   *
   * @param executor the executor
   * @return the scheduler
   */
  public static Scheduler scheduler(ScheduledExecutorService executor) {
    return (task, delay) -> {
      try {
        ScheduledFuture<?> f = executor.schedule(task, delay, TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return () -> {}; // closed: nothing runs any more
      }
    };
  }

  /** @return this broker's id, named in its pushes */
  public String id() {
    return id;
  }

  // ---- members ----

  @Override
  public void attach(Member member, Consumer<Push> listener) {
    synchronized (lock) {
      // Only attach makes a member: a late call of one that left must not bring it back.
      MemberState m = members.computeIfAbsent(member.member(), MemberState::new);
      m.pid = member.pid();
      m.listener = listener;
      listener.accept(new Push(ATTACHED, id, null, null, 0, 0, null));
      if (!workersPushed.isEmpty()) {
        listener.accept(workersPush());
      }
      // Outcomes for this member that came before its channel did.
      String prefix = member.member() + "/";
      for (Iterator<Map.Entry<String, Early>> it = early.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Early> e = it.next();
        if (e.getKey().startsWith(prefix)) {
          it.remove();
          markCompleted(e.getKey());
          route(e.getValue().done());
        }
      }
      assign();
    }
  }

  @Override
  public void detach(Member member) {
    synchronized (lock) {
      MemberState m = members.remove(member.member());
      if (m == null) {
        return;
      }
      // Its running tasks go to the front of the queue, in the order they were given to it.
      List<TaskState> back = new ArrayList<>();
      for (String taskId : m.busy.keySet()) {
        TaskState t = tasks.get(taskId);
        if (t == null || t.runningOn != m) {
          continue; // done, or already given to another after a deadline
        }
        stopExpiry(t);
        t.runningOn = null;
        if (t.payload == null) {
          tasks.remove(taskId); // claimed, never re-submitted: its submitter will, if it lives
        } else if (!t.cancelled) {
          back.add(t);
        } else {
          tasks.remove(taskId);
        }
      }
      for (int i = back.size() - 1; i >= 0; i--) {
        requeueOrFail(back.get(i), "its worker (pid " + m.pid + ") left while running it");
      }
      // The tasks it submitted and nobody runs yet: their result would go nowhere.
      waiting.removeIf(t -> dropIfSubmittedBy(t, m.id));
      parked.removeIf(t -> dropIfSubmittedBy(t, m.id));
      assign();
    }
  }

  private boolean dropIfSubmittedBy(TaskState t, String member) {
    if (t.submitter.equals(member)) {
      tasks.remove(t.id);
      return true;
    }
    return false;
  }

  @Override
  public CompletableFuture<Void> hello(Hello hello) {
    if (hello.broker() != null && !hello.broker().equals(id)) {
      return CompletableFuture.failedFuture(new io.clusterclient.ClusterException(
          "a hello meant for task broker " + hello.broker() + " reached broker " + id
              + " of '" + settings.queue() + "': the member sends it again"));
    }
    synchronized (lock) {
      MemberState m = members.get(hello.member());
      if (m == null || hello.seq() <= m.helloSeq) {
        // Not attached (a late call of a member that left), or overtaken by a newer hello: the
        // leader serves answered calls concurrently, so they may come in any order.
        return CompletableFuture.completedFuture(null);
      }
      m.helloSeq = hello.seq();
      m.refusing = false;
      Map<String, Long> finishedSince = Map.copyOf(m.finishedUnheard);
      // only newer hellos are heard from now on, and they were built after these tasks left
      m.finishedUnheard.values().removeIf(seq -> seq <= hello.seq());
      m.slots = Math.max(0, hello.slots());
      if (recovering) {
        greeted.add(m.id);
        if (hello.workers() != null) {
          heardFromSurvivor = true;
          expected.addAll(hello.workers());
        }
      }
      for (Claim c : hello.running() == null ? List.<Claim>of() : hello.running()) {
        if (c == null || c.task() == null || m.busy.containsKey(c.task())) {
          continue;
        }
        Long finishedAt = finishedSince.get(c.task());
        if (finishedAt != null && finishedAt >= hello.seq()) {
          continue; // built before the task finished, whose outcome came already: not running
        }
        m.busy.put(c.task(), c.delivery());
        if (completed.containsKey(c.task())) {
          continue; // another delivery finished it: this one's outcome will be dropped
        }
        TaskState t = tasks.get(c.task());
        if (t == null) {
          t = new TaskState(c.task(), submitterOf(c.task()));
          tasks.put(t.id, t); // the payload comes with the submitter's re-submit
        } else {
          parked.remove(t);
          waiting.remove(t);
        }
        if (t.runningOn == null) {
          t.runningOn = m;
          t.delivery = Math.max(t.delivery, c.delivery());
          if (t.payload != null) {
            startExpiry(t, m);
          }
        }
      }
      if (recovering && heardFromSurvivor && greeted.containsAll(expected)) {
        endRecovery(); // every worker of the previous leader has claimed what it runs
      }
      assign();
    }
    return CompletableFuture.completedFuture(null);
  }

  // ---- tasks ----

  @Override
  public CompletableFuture<Admit> submit(Submit s) {
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new io.clusterclient.ClusterClosedException("the task broker of '" + settings.queue() + "' closed"));
      }
      TaskState known = tasks.get(s.task());
      if (known != null) {
        if (known.payload == null && s.value() != null) {
          known.payload = s.value(); // claimed by its worker before its submitter came back
          known.deadlineMillis = s.deadlineMillis();
          if (known.runningOn != null) {
            startExpiry(known, known.runningOn);
          }
        }
        return admitted(true);
      }
      if (completed.containsKey(s.task())) {
        return admitted(true); // its outcome went out already
      }
      Early e = early.remove(s.task());
      if (e != null) {
        markCompleted(s.task());
        route(e.done()); // finished under the previous leader
        return admitted(true);
      }
      if (!s.resubmit() && waiting.size() >= settings.maxWaiting()) {
        return admitted(false);
      }
      TaskState t = new TaskState(s.task(), s.member());
      t.payload = s.value();
      t.deadlineMillis = s.deadlineMillis();
      tasks.put(t.id, t);
      if (s.resubmit()) {
        t.delivery = 1; // it may have run: the next delivery counts as a redelivery
        if (recovering) {
          parked.add(t);
          return admitted(true);
        }
      }
      waiting.addLast(t);
      assign();
      return admitted(true);
    }
  }

  private CompletableFuture<Admit> admitted(boolean accepted) {
    int slots = 0;
    int busy = 0;
    for (MemberState m : members.values()) {
      if (m.listener != null) {
        slots += m.slots;
        busy += m.busy.size();
      }
    }
    return CompletableFuture.completedFuture(new Admit(accepted, waiting.size(), slots, busy));
  }

  @Override
  public CompletableFuture<Void> done(Done d) {
    synchronized (lock) {
      MemberState m = members.get(d.member());
      if (d.rejected()) {
        Integer given = m == null ? null : m.busy.get(d.task());
        if (given == null || given != d.delivery()) {
          return CompletableFuture.completedFuture(null); // not the delivery it holds: stale
        }
        m.busy.remove(d.task());
        m.refusing = true; // no more tasks for it until its next hello says how it stands
      } else if (m != null) {
        m.busy.remove(d.task());
      }
      if (m != null && d.seq() > m.helloSeq) {
        m.finishedUnheard.put(d.task(), d.seq()); // a hello built before it is still on its way
      }
      TaskState t = tasks.get(d.task());
      if (d.rejected()) {
        if (t != null && t.runningOn == m && m != null) {
          stopExpiry(t);
          t.runningOn = null;
          t.delivery--; // it did not run: not a delivery
          if (!t.cancelled) {
            waiting.addFirst(t);
          } else {
            tasks.remove(t.id);
          }
        }
      } else if (completed.containsKey(d.task())) {
        LOG.debug("task {} of '{}': a later outcome, dropped", d.task(), settings.queue());
      } else if (t == null || t.payload == null && t.runningOn == null) {
        remember(d); // finished under a previous leader, or before its re-submit came
      } else {
        // The first outcome wins, whichever delivery it came from. Another worker that runs it
        // stays busy until it reports: its slot is really taken.
        tasks.remove(t.id);
        stopExpiry(t);
        waiting.remove(t);
        parked.remove(t);
        markCompleted(t.id);
        if (!t.cancelled) {
          route(d);
        }
      }
      assign();
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> cancel(Cancel c) {
    synchronized (lock) {
      TaskState t = tasks.get(c.task());
      if (t == null || !t.submitter.equals(c.member())) {
        return CompletableFuture.completedFuture(null);
      }
      if (t.runningOn == null) {
        tasks.remove(t.id);
        stopExpiry(t);
        waiting.remove(t);
        parked.remove(t);
      } else {
        t.cancelled = true; // its worker runs it; the outcome is dropped
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  // ---- assignment ----

  /** Gives waiting tasks to the members with the most free slots. Under the lock. */
  private void assign() {
    assignWaiting();
    pushWorkers();
  }

  /** Tells every member the workers, when they changed. Under the lock. */
  private void pushWorkers() {
    java.util.Set<String> now = new java.util.TreeSet<>();
    for (MemberState m : members.values()) {
      if ((m.slots > 0 || !m.busy.isEmpty()) && !m.id.equals(localMember)) {
        now.add(m.id);
      }
    }
    if (now.equals(workersPushed)) {
      return;
    }
    workersPushed = now;
    Push push = workersPush();
    for (MemberState m : members.values()) {
      if (m.listener != null) {
        m.listener.accept(push);
      }
    }
  }

  private Push workersPush() {
    com.fasterxml.jackson.databind.node.ArrayNode list =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    workersPushed.forEach(list::add);
    return new Push(WORKERS, id, null, list, 0, 0, null);
  }

  private void assignWaiting() {
    while (!waiting.isEmpty()) {
      String next = waiting.peekFirst().id;
      MemberState best = null;
      int bestFree = 0;
      for (MemberState m : members.values()) {
        if (m.busy.containsKey(next)) {
          continue; // it still runs an earlier delivery of this task (past its deadline)
        }
        int free = m.free();
        if (free > bestFree || (free == bestFree && free > 0 && m.lastAssigned < best.lastAssigned)) {
          best = m;
          bestFree = free;
        }
      }
      if (best == null) {
        return;
      }
      TaskState t = waiting.pollFirst();
      t.delivery++;
      t.runningOn = best;
      best.busy.put(t.id, t.delivery);
      best.lastAssigned = ++assignments;
      startExpiry(t, best);
      best.listener.accept(new Push(TASK, id, t.id, t.payload, t.delivery, t.deadlineMillis, null));
    }
  }

  private void startExpiry(TaskState t, MemberState m) {
    stopExpiry(t);
    int delivery = t.delivery;
    t.cancelExpiry = scheduler.schedule(() -> expired(t, m, delivery), t.deadlineMillis);
  }

  private static void stopExpiry(TaskState t) {
    if (t.cancelExpiry != null) {
      t.cancelExpiry.run();
      t.cancelExpiry = null;
    }
  }

  private void expired(TaskState t, MemberState m, int delivery) {
    synchronized (lock) {
      if (closed || tasks.get(t.id) != t || t.runningOn != m || t.delivery != delivery) {
        return; // done, or moved on meanwhile
      }
      t.cancelExpiry = null;
      t.runningOn = null; // m stays busy with it until it reports: its slot is really taken
      if (t.cancelled) {
        tasks.remove(t.id);
        return;
      }
      requeueOrFail(
          t, "its worker (pid " + m.pid + ") held it past its deadline of " + t.deadlineMillis + " ms");
      assign();
    }
  }

  /** Puts a task whose delivery ended without an outcome back in front, or fails it. Under the lock. */
  private void requeueOrFail(TaskState t, String why) {
    if (t.delivery < settings.maxDeliveries()) {
      LOG.debug("task {} of '{}' goes out again: {}", t.id, settings.queue(), why);
      waiting.addFirst(t);
      return;
    }
    tasks.remove(t.id);
    markCompleted(t.id);
    io.clusterclient.ClusterException failure =
        new io.clusterclient.ClusterException(
            "task " + t.id + " of queue '" + settings.queue() + "' was delivered " + t.delivery
                + " times and never completed; the last time " + why + ". It is not delivered"
                + " again (maxDeliveries " + settings.maxDeliveries() + "): look for a handler that"
                + " crashes its process or outlasts the deadline");
    route(new Done(null, t.id, t.delivery, null, RemoteErrors.encode(failure), false, 0));
  }

  /** Sends an outcome to its submitter, or keeps it until the submitter's channel opens. */
  private void route(Done d) {
    MemberState submitter = members.get(submitterOf(d.task()));
    if (submitter == null || submitter.listener == null) {
      remember(d);
      return;
    }
    submitter.listener.accept(new Push(RESULT, id, d.task(), d.value(), d.delivery(), 0, d.error()));
  }

  private void remember(Done d) {
    long now = clockMillis.getAsLong();
    early.put(d.task(), new Early(d, now));
    for (Iterator<Early> it = early.values().iterator(); it.hasNext(); ) {
      Early e = it.next();
      if (early.size() <= MAX_EARLY && now - e.atMillis() <= EARLY_RETENTION_MILLIS) {
        break; // oldest first: the rest are younger
      }
      it.remove();
    }
  }

  private void markCompleted(String taskId) {
    long now = clockMillis.getAsLong();
    completed.put(taskId, now);
    for (Iterator<Long> it = completed.values().iterator(); it.hasNext(); ) {
      long at = it.next();
      if (completed.size() <= MAX_COMPLETED && now - at <= EARLY_RETENTION_MILLIS) {
        break;
      }
      it.remove();
    }
  }

  private void endRecovery() {
    synchronized (lock) {
      if (!recovering) {
        return;
      }
      recovering = false;
      expected.clear();
      greeted.clear();
      // Unclaimed re-submits go out again, ahead of newer tasks, in the order they came.
      for (int i = parked.size() - 1; i >= 0; i--) {
        waiting.addFirst(parked.get(i));
      }
      parked.clear();
      assign();
    }
  }

  private static String submitterOf(String taskId) {
    int slash = taskId.lastIndexOf('/');
    return slash < 0 ? taskId : taskId.substring(0, slash);
  }

  @Override
  public CompletableFuture<io.clusterclient.tasks.TaskQueueStatus> status() {
    synchronized (lock) {
      int running = 0;
      for (TaskState t : tasks.values()) {
        if (t.runningOn != null) {
          running++;
        }
      }
      int workers = 0;
      int slots = 0;
      int busy = 0;
      for (MemberState m : members.values()) {
        if (m.listener != null && (m.slots > 0 || !m.busy.isEmpty())) {
          workers++;
          slots += m.slots;
          busy += m.busy.size();
        }
      }
      return CompletableFuture.completedFuture(new io.clusterclient.tasks.TaskQueueStatus(
          ProcessHandle.current().pid(), waiting.size(), parked.size(), running, workers, slots, busy));
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      waiting.clear();
      parked.clear();
      for (TaskState t : tasks.values()) {
        stopExpiry(t);
      }
    }
    onClose.run();
  }
}
