package io.clusterclient.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterClosedException;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.DelegateType;
import io.clusterclient.LeaderLostException;
import io.clusterclient.MessageTooLargeException;
import io.clusterclient.internal.Threads;
import io.clusterclient.internal.codec.RemoteErrors;
import io.clusterclient.internal.tasks.TaskBroker;
import io.clusterclient.internal.tasks.TaskChannel;
import io.clusterclient.internal.tasks.TaskChannel.Admit;
import io.clusterclient.internal.tasks.TaskChannel.Cancel;
import io.clusterclient.internal.tasks.TaskChannel.Claim;
import io.clusterclient.internal.tasks.TaskChannel.Done;
import io.clusterclient.internal.tasks.TaskChannel.Hello;
import io.clusterclient.internal.tasks.TaskChannel.Member;
import io.clusterclient.internal.tasks.TaskChannel.Push;
import io.clusterclient.internal.tasks.TaskChannel.Submit;
import io.clusterclient.jackson.JacksonCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's member of a task queue: it submits and waits for outcomes, and, once it serves,
 * runs the tasks the broker gives it. Everything the broker must know after a leader change is kept
 * here (the tasks pending, the tasks running, the outcomes sent lately) and told to each new broker
 * when it greets this member.
 *
 * <p>Thread-safe: one lock guards the state; no channel call is made under it.
 */
final class DefaultTaskQueue<T, R> implements TaskQueue<T, R> {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultTaskQueue.class);
  /** Outcomes sent lately are sent again to a new leader: the old one may have died before passing them on. */
  static final long RECENT_MILLIS = 10_000;
  static final int MAX_RECENT = 1_000;
  /** Failures of a handler travel with at most this many characters of message and stack each. */
  private static final int MAX_ERROR_CHARS = 16_384;
  private static final long MAX_FULL_BACKOFF_MILLIS = 200;
  private static final long GREET_RETRY_MILLIS = 20;

  private final String name;
  private final Class<T> taskType;
  private final Class<R> resultType;
  private final ObjectMapper mapper;
  private final WhenFull whenFull;
  private final Duration defaultTimeout;
  private final long deadlineMillis;
  private final Duration drainTimeout;
  private final String memberId;
  private final TaskChannel channel;
  private final ClusterHandle handle;
  private final ScheduledThreadPoolExecutor timer;
  private final AtomicLong sequence = new AtomicLong();
  /** Numbers the hellos, built under the lock: a broker ignores one overtaken by a newer one. */
  private long helloSeq;
  private final Thread shutdownHook;

  private final Object lock = new Object();
  private final LinkedHashMap<String, Pending<R>> pending = new LinkedHashMap<>();
  private final LinkedHashMap<String, Integer> running = new LinkedHashMap<>();
  private final ArrayDeque<Recent> recent = new ArrayDeque<>();
  private String broker;
  /** The workers the latest broker listed, or null before any did. */
  private List<String> knownWorkers;
  /** What the hellos to the current broker say of the previous one's workers. */
  private List<String> previousWorkers;
  private boolean closed;
  private TaskHandler<? super T, ? extends R> handler;
  private int slots;
  private boolean stopping;
  private ThreadPoolExecutor workers;
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  /** Completes when a broker first has this member's hello with its slots. */
  private final CompletableFuture<Void> serving = new CompletableFuture<>();
  /** Outcomes on their way to the broker: closing waits for them. */
  private final java.util.Set<CompletableFuture<Void>> reporting =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final AtomicLong submitted = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong timedOut = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong redeliveries = new AtomicLong();
  private final AtomicLong resubmitted = new AtomicLong();

  private static final class Pending<R> {
    final String id;
    final JsonNode payload;
    final Duration timeout;
    final CompletableFuture<R> future = new CompletableFuture<>();
    ScheduledFuture<?> timer;
    /** Whether a broker took it: a new broker then gets it as a re-submit, past its wait limit. */
    boolean accepted;
    /** Whether it was sent at least once. */
    volatile boolean sent;
    int fullRetries;

    Pending(String id, JsonNode payload, Duration timeout) {
      this.id = id;
      this.payload = payload;
      this.timeout = timeout;
    }
  }

  private record Recent(Done done, long atMillis) {}

  private record Context(String queue, String id, int delivery, Instant deadline) implements TaskContext {}

  DefaultTaskQueue(ClusterTasks.Builder<T, R> b) {
    this.name = b.name;
    this.taskType = b.taskType;
    this.resultType = b.resultType;
    this.mapper = b.mapper != null ? b.mapper : JacksonCodec.defaultMapperBuilder().build();
    this.whenFull = b.whenFull;
    this.defaultTimeout = b.timeout;
    this.deadlineMillis = Math.max(1, b.deadline.toMillis());
    this.drainTimeout = b.drainTimeout;
    this.memberId = ProcessHandle.current().pid() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    this.timer = Threads.daemonTimer("cluster-tasks-" + name + "-timer");

    ClusterOptions options =
        b.options.toBuilder()
            .name("tasks:" + name)
            .broadcast(true)
            .codec(JacksonCodec.defaults()) // the queue's own messages: JSON trees, whatever the app's codec
            .closeOnShutdown(false) // this queue's hook drains first, then closes its client
            .build();
    TaskBroker.Settings settings =
        new TaskBroker.Settings(name, b.maxWaiting, b.maxDeliveries, b.recoveryWindow.toMillis());
    var client =
        ClusterClient.of(TaskChannel.class)
            .delegate("attach", DelegateType.SUBSCRIBE)
            .delegate("detach", DelegateType.UNSUBSCRIBE)
            .delegate("submit")
            .delegate("hello")
            .delegate("done")
            .delegate("cancel")
            .delegate("status")
            .options(options);
    if (b.runtime != null) {
      client.runtime(b.runtime);
    }
    this.channel = client.create(() -> TaskBroker.create(settings, memberId));
    this.handle = ClusterClient.handle(channel);
    if (b.options.closeOnShutdown()) {
      shutdownHook = new Thread(this::close, "cluster-tasks-" + name + "-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } else {
      shutdownHook = null;
    }
    channel.attach(new Member(memberId, ProcessHandle.current().pid()), this::onPush);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ClusterHandle handle() {
    return handle;
  }

  // ---- submitting ----

  @Override
  public CompletableFuture<R> submit(T task) {
    return submit(task, defaultTimeout);
  }

  @Override
  public CompletableFuture<R> submit(T task, Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, not " + timeout);
    }
    JsonNode payload;
    try {
      payload = mapper.valueToTree(task);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(
          new ClusterCodecException(
              "cannot write the task for queue '" + name + "' as JSON: " + e.getMessage(), e));
    }
    Pending<R> p = new Pending<>(memberId + "/" + sequence.incrementAndGet(), payload, timeout);
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new ClusterClosedException("task queue '" + name + "' is closed"));
      }
      pending.put(p.id, p);
    }
    submitted.incrementAndGet();
    p.timer = timer.schedule(() -> timedOut(p), timeout.toMillis(), TimeUnit.MILLISECONDS);
    send(p, false);
    return p.future;
  }

  private void send(Pending<R> p, boolean resubmit) {
    p.sent = true;
    CompletableFuture<Admit> answer;
    try {
      answer = channel.submit(new Submit(memberId, p.id, p.payload, deadlineMillis, resubmit));
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete(
        (admit, err) -> {
          if (err != null) {
            Throwable cause = RemoteErrors.unwrap(err);
            if (cause instanceof LeaderLostException || cause instanceof ClusterTimeoutException) {
              // The next leader greets this member, which then sends it again; the task's own
              // timeout bounds the wait.
              LOG.debug("task {} of '{}' not submitted yet: {}", p.id, name, cause.toString());
            } else {
              fail(p, cause);
            }
          } else if (admit.accepted()) {
            synchronized (lock) {
              p.accepted = true;
            }
          } else {
            full(p, admit);
          }
        });
  }

  private void full(Pending<R> p, Admit admit) {
    synchronized (lock) {
      if (p.accepted) {
        return; // a copy sent again was refused; the task itself was taken
      }
    }
    if (whenFull == WhenFull.WAIT) {
      synchronized (lock) {
        if (pending.get(p.id) != p) {
          return;
        }
        p.fullRetries++;
      }
      long backoff = Math.min(MAX_FULL_BACKOFF_MILLIS, 1L << Math.min(p.fullRetries, 8));
      try {
        timer.schedule(
            () -> {
              synchronized (lock) {
                if (pending.get(p.id) != p) {
                  return;
                }
              }
              send(p, false);
            },
            backoff,
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        // closed meanwhile: close() fails it
      }
      return;
    }
    if (!forget(p)) {
      return; // refused twice (sent again meanwhile), or its outcome came: told once
    }
    refused.incrementAndGet();
    failed.incrementAndGet();
    p.future.completeExceptionally(
        new TaskQueueFullException(
            "task queue '" + name + "' is full: " + admit.waiting() + " tasks wait for a free slot and "
                + admit.busy() + " of " + admit.slots() + " slots are busy. Serve the queue from more "
                + "processes or with more slots, raise maxWaiting, or submit with WhenFull.WAIT"));
  }

  private void fail(Pending<R> p, Throwable cause) {
    if (forget(p)) {
      failed.incrementAndGet();
      p.future.completeExceptionally(cause);
    }
  }

  /** Removes a pending task, if it still is; true when this call removed it. */
  private boolean forget(Pending<R> p) {
    synchronized (lock) {
      if (pending.get(p.id) != p) {
        return false;
      }
      pending.remove(p.id);
    }
    if (p.timer != null) {
      p.timer.cancel(false);
    }
    return true;
  }

  private void timedOut(Pending<R> p) {
    if (!forget(p)) {
      return;
    }
    timedOut.incrementAndGet();
    p.future.completeExceptionally(
        new ClusterTimeoutException(
            "task " + p.id + " of queue '" + name + "' got no outcome within " + p.timeout
                + "; it may still run. Raise the timeout (ClusterTasks.Builder.timeout, or submit(task,"
                + " timeout)), or serve the queue from more processes",
            p.timeout));
    cancelQuietly(p.id);
  }

  private void cancelQuietly(String id) {
    try {
      channel.cancel(new Cancel(memberId, id));
    } catch (RuntimeException e) {
      LOG.debug("cannot cancel task {} of '{}': {}", id, name, e.toString());
    }
  }

  private void onResult(Push push) {
    Pending<R> p;
    synchronized (lock) {
      p = pending.get(push.task());
    }
    if (p == null || !forget(p)) {
      return; // a late or repeated outcome
    }
    if (push.error() != null) {
      failed.incrementAndGet();
      p.future.completeExceptionally(
          RemoteErrors.decode(push.error(), null, "task " + p.id + " of queue '" + name + "'"));
      return;
    }
    R result;
    try {
      JsonNode v = push.value();
      result = v == null || v.isNull() ? null : mapper.treeToValue(v, resultType);
    } catch (Exception e) {
      failed.incrementAndGet();
      p.future.completeExceptionally(
          new ClusterCodecException(
              "cannot read the result of task " + p.id + " of queue '" + name + "' as "
                  + resultType.getName() + ": " + e.getMessage(),
              e));
      return;
    }
    completed.incrementAndGet();
    p.future.complete(result);
  }

  // ---- serving ----

  @Override
  public CompletableFuture<Void> serve(int slots, TaskHandler<? super T, ? extends R> handler) {
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be at least 1, not " + slots);
    }
    java.util.Objects.requireNonNull(handler, "handler");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("task queue '" + name + "' is closed");
      }
      if (this.handler != null) {
        throw new IllegalStateException("task queue '" + name + "' is served by this instance already");
      }
      this.workers =
          new ThreadPoolExecutor(
              slots,
              slots,
              30,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              Threads.daemonFactory("cluster-tasks-" + name));
      workers.allowCoreThreadTimeOut(true);
      this.handler = handler;
      this.slots = slots;
    }
    sendHello();
    return serving.copy();
  }

  @Override
  public CompletableFuture<Void> stopServing() {
    synchronized (lock) {
      if (handler == null) {
        return CompletableFuture.completedFuture(null);
      }
      if (!stopping) {
        stopping = true;
        if (running.isEmpty()) {
          drained.complete(null);
        }
      }
    }
    // Done when the leader sends no more tasks here and the running ones have finished.
    return CompletableFuture.allOf(sendHello(), drained);
  }

  /**
   * Tells the broker this member's state; on the timer thread, so that hellos leave in order.
   *
   * @return completes once the broker has it, or it could not be sent (a new broker then gets a
   *     fresh one when it greets this member)
   */
  private CompletableFuture<Void> sendHello() {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    try {
      timer.execute(
          () -> {
            Hello hello;
            synchronized (lock) {
              if (broker == null) {
                sent.complete(null); // the greeting of the first broker sends it
                return;
              }
              hello = hello();
            }
            hello(hello).whenComplete((v, err) -> {
              boolean again;
              synchronized (lock) {
                again = err != null && !closed && hello.broker().equals(broker);
              }
              if (again) {
                // Refused by another broker, or lost with the leader: the broker that greeted this
                // member must hear how it stands; a newer greeting makes this one moot.
                try {
                  timer.schedule(
                      () -> sendHello().whenComplete((x, y) -> sent.complete(null)),
                      GREET_RETRY_MILLIS,
                      TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closing) {
                  sent.complete(null);
                }
              } else {
                sent.complete(null);
              }
            });
          });
    } catch (RejectedExecutionException closed) {
      sent.complete(null); // closed: the leader hears of it from the connection
    }
    return sent;
  }

  private CompletableFuture<Void> hello(Hello hello) {
    return channel.hello(hello).whenComplete((v, err) -> {
      if (err != null) {
        LOG.debug("hello to the broker of '{}' failed: {}", name, err.toString());
      } else if (hello.slots() > 0) {
        serving.complete(null);
      }
    });
  }

  /** Under the lock. */
  private Hello hello() {
    List<Claim> claims = new ArrayList<>(running.size());
    running.forEach((id, delivery) -> claims.add(new Claim(id, delivery)));
    return new Hello(
        memberId, broker, ++helloSeq, handler == null || stopping || closed ? 0 : slots, claims,
        previousWorkers);
  }

  private void onTask(Push push) {
    boolean take;
    long seq;
    synchronized (lock) {
      if (running.containsKey(push.task())) {
        return; // it runs here already: the broker knows (it never sends it here again)
      }
      take = handler != null && !stopping && !closed && running.size() < slots;
      if (take) {
        running.put(push.task(), push.delivery());
      }
      seq = helloSeq;
    }
    if (take) {
      try {
        workers.execute(() -> run(push));
        return;
      } catch (RejectedExecutionException e) {
        synchronized (lock) {
          running.remove(push.task());
          seq = helloSeq;
        }
      }
    }
    reportDone(new Done(memberId, push.task(), push.delivery(), null, null, true, seq))
        .whenComplete((v, e) -> sendHello()); // the broker gives it nothing more until it hears how it stands
  }

  private void run(Push push) {
    JsonNode value = null;
    Map<String, Object> error = null;
    try {
      T task = mapper.treeToValue(push.value(), taskType);
      Context context =
          new Context(name, push.task(), push.delivery(), Instant.now().plusMillis(push.deadlineMillis()));
      R result = handler().handle(task, context);
      value = mapper.valueToTree(result);
    } catch (Throwable t) {
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      error = RemoteErrors.encodeShort(RemoteErrors.unwrap(t), MAX_ERROR_CHARS);
    }
    served.incrementAndGet();
    if (push.delivery() > 1) {
      redeliveries.incrementAndGet();
    }
    Done done;
    synchronized (lock) {
      running.remove(push.task());
      // With the number of the newest hello: one built before this, which claims the task, may reach
      // the broker after this outcome, and must not make it count the task as running here again.
      done = new Done(memberId, push.task(), push.delivery(), value, error, false, helloSeq);
      long now = System.currentTimeMillis();
      recent.addLast(new Recent(done, now));
      while (recent.size() > MAX_RECENT || now - recent.peekFirst().atMillis() > RECENT_MILLIS) {
        recent.pollFirst();
      }
      if (stopping && running.isEmpty()) {
        drained.complete(null);
      }
    }
    reportDone(done);
  }

  @SuppressWarnings("unchecked")
  private TaskHandler<T, R> handler() {
    synchronized (lock) {
      return (TaskHandler<T, R>) handler;
    }
  }

  private CompletableFuture<Void> reportDone(Done done) {
    CompletableFuture<Void> sent;
    try {
      sent = channel.done(done);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> tracked = sent;
    reporting.add(tracked);
    sent.whenComplete(
        (v, err) -> {
          reporting.remove(tracked);
          Throwable cause = err == null ? null : RemoteErrors.unwrap(err);
          if (cause instanceof MessageTooLargeException && done.error() == null) {
            // The submitter hears why instead of waiting for its timeout.
            MessageTooLargeException why = new MessageTooLargeException(
                "its result is too large to travel back from the worker (pid "
                    + ProcessHandle.current().pid() + "): " + cause.getMessage());
            reportDone(new Done(memberId, done.task(), done.delivery(), null,
                RemoteErrors.encodeShort(why, MAX_ERROR_CHARS), false, done.seq()));
          } else if (cause != null) {
            LOG.debug("outcome of task {} of '{}' not delivered yet: {}", done.task(), name, cause.toString());
          }
        });
    return tracked;
  }

  // ---- the broker's pushes, in order, on a cluster-client worker thread ----

  private void onPush(Push push) {
    switch (push.kind()) {
      case TaskChannel.ATTACHED -> onAttached(push.broker());
      case TaskChannel.TASK -> onTask(push);
      case TaskChannel.RESULT -> onResult(push);
      case TaskChannel.WORKERS -> onWorkers(push);
      default -> LOG.debug("task queue '{}': an unknown push {} ignored", name, push.kind());
    }
  }

  private void onWorkers(Push push) {
    if (push.value() == null || !push.value().isArray()) {
      return;
    }
    List<String> ids = new ArrayList<>(push.value().size());
    push.value().forEach(n -> ids.add(n.asText()));
    synchronized (lock) {
      if (push.broker() != null && push.broker().equals(broker)) {
        knownWorkers = List.copyOf(ids);
      }
    }
  }

  /**
   * A new broker: it learns from this member what it finished lately, what it runs, and what it
   * waits for, in that order, from the timer thread (which sends every hello: they leave in order).
   * The outcomes go before the hello because a broker may end its recovery on this hello and send
   * out again every re-submitted task nobody claimed; the outcomes and the claims are one snapshot,
   * so a task is either finished (its outcome sent first) or claimed.
   */
  private void onAttached(String newBroker) {
    List<Pending<R>> again;
    boolean first;
    synchronized (lock) {
      if (closed || newBroker == null) {
        return;
      }
      // Every greeting, also a second one of the same broker: it comes after this member's
      // connection dropped and the broker forgot it (detach), so it must learn it all again.
      first = broker == null;
      if (!newBroker.equals(broker)) {
        previousWorkers = knownWorkers;
      }
      broker = newBroker;
      again = new ArrayList<>(pending.values());
    }
    try {
      timer.execute(() -> greet(newBroker, first, again));
    } catch (RejectedExecutionException closing) {
      // closed meanwhile: nothing to tell
    }
  }

  private void greet(String newBroker, boolean first, List<Pending<R>> again) {
    List<Done> outcomes;
    Hello hello;
    synchronized (lock) {
      if (!newBroker.equals(broker)) {
        return; // yet another broker came meanwhile: it gets its own greeting
      }
      outcomes = first ? List.of() : recent.stream().map(Recent::done).toList();
      hello = hello();
    }
    // One after the other, each once the broker has the one before: the leader serves answered
    // calls concurrently, so sending them in order would not be enough.
    // A hello the broker refuses went to another one (the old leader, while it hands over, still
    // serves calls): all of it again, a little later, until the broker that greeted hears it.
    CompletableFuture<?>[] reported = outcomes.stream().map(this::reportDone).toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(reported)
        .handle((v, e) -> null)
        .thenCompose(v -> hello(hello))
        .whenComplete((v, e) -> {
          if (e == null) {
            resubmit(first, again);
            return;
          }
          try {
            timer.schedule(() -> greet(newBroker, first, again), GREET_RETRY_MILLIS, TimeUnit.MILLISECONDS);
          } catch (RejectedExecutionException closing) {
            // closed: nothing more to tell
          }
        });
  }

  private void resubmit(boolean first, List<Pending<R>> again) {
    for (Pending<R> p : again) {
      boolean resubmit;
      synchronized (lock) {
        if (pending.get(p.id) != p) {
          continue; // its outcome came meanwhile
        }
        // Taken by a broker, or sent to one that may have taken it before it died: its fate is
        // unknown, so the next broker gets it as a re-submit. The first broker gets it as new.
        resubmit = p.accepted || (!first && p.sent);
      }
      if (resubmit) {
        resubmitted.incrementAndGet();
      }
      send(p, resubmit);
    }
  }


  @Override
  public CompletableFuture<TaskQueueStatus> status() {
    return channel.status();
  }

  @Override
  public TaskQueueStats stats() {
    int pendingNow;
    int runningNow;
    synchronized (lock) {
      pendingNow = pending.size();
      runningNow = running.size();
    }
    return new TaskQueueStats(
        submitted.get(), completed.get(), failed.get(), timedOut.get(), refused.get(), pendingNow,
        served.get(), redeliveries.get(), runningNow, resubmitted.get());
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs, or ran: fine
      }
    }
    long drainEnd = System.nanoTime() + drainTimeout.toNanos();
    try {
      stopServing().get(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
      // The outcomes of the last tasks reach the broker before this member leaves.
      CompletableFuture.allOf(reporting.toArray(CompletableFuture[]::new))
          .exceptionally(e -> null)
          .get(Math.max(0, drainEnd - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("task queue '{}': {} tasks still running after the drain timeout of {}; closing anyway",
          name, stats().running(), drainTimeout);
    }
    serving.completeExceptionally(new ClusterClosedException("task queue '" + name + "' is closed"));
    List<Pending<R>> left;
    synchronized (lock) {
      left = new ArrayList<>(pending.values());
    }
    for (Pending<R> p : left) {
      fail(p, new ClusterClosedException(
          "task queue '" + name + "' closed before task " + p.id + " had an outcome; the leader drops"
              + " it unless it has started"));
    }
    handle.close();
    ExecutorService w;
    synchronized (lock) {
      w = workers;
    }
    if (w != null) {
      w.shutdownNow();
    }
    timer.shutdownNow();
  }

  @Override
  public String toString() {
    return "TaskQueue[" + name + ", member " + memberId + "]";
  }

  Map<String, Integer> runningNow() {
    synchronized (lock) {
      return Map.copyOf(running);
    }
  }
}
