package io.clusterclient.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusterclient.ClusterClosedException;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.RemoteInvocationException;
import io.clusterclient.it.Ports;
import io.clusterclient.testing.Deadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Task queues of several runtimes in one JVM (each runtime behaves as a process): results, handler
 * failures, the wait limit, timeouts, and a graceful leader change with tasks in flight.
 */
@Timeout(60)
class TaskQueueTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final int port = Ports.free();

  /** A task: a record, so it survives the JSON round trip. */
  public record Job(int n, String text) {}

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private TaskQueue<Job, String> queue(ClusterTasks.Builder<Job, String> builder) {
    return queue(builder, ClusterOptions.builder().port(port).build());
  }

  private TaskQueue<Job, String> queue(ClusterTasks.Builder<Job, String> builder, ClusterOptions options) {
    ClusterRuntime runtime = ClusterRuntime.create();
    closeables.add(runtime);
    TaskQueue<Job, String> q = builder.options(options).runtime(runtime).create();
    closeables.add(q);
    q.handle().ready().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    return q;
  }

  private TaskQueue<Job, String> queue() {
    return queue(ClusterTasks.builder("jobs", Job.class, String.class));
  }

  @Test
  void eachTaskRunsOnceAndItsResultReachesTheSubmitter() throws Exception {
    TaskQueue<Job, String> leader = queue();
    TaskQueue<Job, String> worker = queue();
    Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
    worker.serve(3, (job, ctx) -> {
      runs.computeIfAbsent(job.n(), k -> new AtomicInteger()).incrementAndGet();
      assertThat(ctx.delivery()).isEqualTo(1);
      assertThat(ctx.id()).contains("/");
      return job.text().toUpperCase() + job.n();
    });
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      results.add(leader.submit(new Job(i, "job")));
    }
    for (int i = 0; i < 50; i++) {
      assertThat(results.get(i).get(20, TimeUnit.SECONDS)).isEqualTo("JOB" + i);
    }
    assertThat(runs).hasSize(50).allSatisfy((n, count) -> assertThat(count.get()).isEqualTo(1));
    assertThat(leader.stats().completed()).isEqualTo(50);
    assertThat(leader.stats().pending()).isZero();
    Deadline.await("the worker's count", WAIT, () -> worker.stats().served() == 50);
  }

  @Test
  void aHandlersExceptionReachesTheSubmitterAsARemoteCallsWould() {
    TaskQueue<Job, String> submitter = queue();
    TaskQueue<Job, String> worker = queue();
    worker.serve(1, job -> {
      throw new IllegalStateException("no report for " + job.n());
    });
    assertThatThrownBy(() -> submitter.submit(new Job(7, "x")).get(20, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(RemoteInvocationException.class, e -> {
          assertThat(e.remoteClassName()).isEqualTo(IllegalStateException.class.getName());
          assertThat(e.remoteMessage()).isEqualTo("no report for 7");
          assertThat(e.getMessage()).contains("queue 'jobs'");
        });
    assertThat(submitter.stats().failed()).isEqualTo(1);
  }

  @Test
  void aFullQueueRefusesAtOnceNamingTheWaysOut() throws Exception {
    TaskQueue<Job, String> q = queue(ClusterTasks.builder("jobs", Job.class, String.class).maxWaiting(2));
    CompletableFuture<String> a = q.submit(new Job(1, "a"));
    CompletableFuture<String> b = q.submit(new Job(2, "b"));
    a.exceptionally(e -> null); // they fail as closed at the end
    b.exceptionally(e -> null);
    Deadline.await("both waiting", WAIT, () -> q.stats().pending() == 2);
    // Submits are answered in order on the leader: once a third is refused, the first two wait.
    assertThatThrownBy(() -> q.submit(new Job(3, "c")).get(20, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(TaskQueueFullException.class)
        .hasMessageContaining("task queue 'jobs' is full: 2 tasks wait")
        .hasMessageContaining("maxWaiting")
        .hasMessageContaining("WhenFull.WAIT");
    assertThat(q.stats().refused()).isEqualTo(1);
    assertThat(q.status().get(20, TimeUnit.SECONDS)).satisfies(st -> {
      assertThat(st.waiting()).isEqualTo(2);
      assertThat(st.workers()).isZero();
      assertThat(st.leaderPid()).isEqualTo(ProcessHandle.current().pid());
    });
  }

  @Test
  void withWhenFullWaitASubmitWaitsForRoom() throws Exception {
    TaskQueue<Job, String> q =
        queue(ClusterTasks.builder("jobs", Job.class, String.class).maxWaiting(1).whenFull(WhenFull.WAIT));
    CompletableFuture<String> a = q.submit(new Job(1, "a"));
    CompletableFuture<String> b = q.submit(new Job(2, "b"));
    TaskQueue<Job, String> worker = queue();
    worker.serve(1, job -> job.text());
    assertThat(a.get(20, TimeUnit.SECONDS)).isEqualTo("a");
    assertThat(b.get(20, TimeUnit.SECONDS)).isEqualTo("b");
    assertThat(q.stats().refused()).isZero();
  }

  @Test
  void aTaskWithNoWorkerTimesOutClearly() {
    TaskQueue<Job, String> q = queue();
    assertThatThrownBy(() -> q.submit(new Job(1, "a"), Duration.ofMillis(300)).get(20, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(ClusterTimeoutException.class)
        .hasMessageContaining("got no outcome within PT0.3S")
        .hasMessageContaining("serve the queue from more processes");
    assertThat(q.stats().timedOut()).isEqualTo(1);
  }

  @Test
  void closingFailsWhatIsPendingAndServingTwiceIsRefused() {
    TaskQueue<Job, String> q = queue();
    q.serve(1, job -> "x");
    assertThatThrownBy(() -> q.serve(1, job -> "y")).isInstanceOf(IllegalStateException.class);
    q.stopServing().join();
    CompletableFuture<String> pending = q.submit(new Job(1, "a"));
    Deadline.await("pending", WAIT, () -> q.stats().pending() == 1);
    q.close();
    assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(ClusterClosedException.class)
        .hasMessageContaining("closed before task");
    assertThat(q.submit(new Job(2, "b"))).isCompletedExceptionally();
  }

  @Test
  void aTaskOrAResultTooLargeForAFrameFailsClearlyInsteadOfHanging() {
    ClusterOptions small = ClusterOptions.builder().port(port).maxFrameLength(64 * 1024).build();
    TaskQueue<Job, String> leader = queue(ClusterTasks.builder("jobs", Job.class, String.class), small);
    TaskQueue<Job, String> follower = queue(ClusterTasks.builder("jobs", Job.class, String.class), small);
    follower.serve(1, job -> "x".repeat(job.n()));
    // The result is too large to travel back: the submitter hears why, not a timeout.
    assertThatThrownBy(() -> leader.submit(new Job(100_000, "big result")).get(20, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(io.clusterclient.MessageTooLargeException.class)
        .hasMessageContaining("of queue 'jobs': its result is too large to travel back from the worker")
        .hasMessageContaining("raise maxFrameLength");
    // A task too large to send fails at once.
    assertThatThrownBy(() -> follower.submit(new Job(1, "y".repeat(100_000))).get(20, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(io.clusterclient.MessageTooLargeException.class);
    assertThat(follower.stats().pending()).isZero();
  }

  @Test
  void tasksInFlightSurviveTheLeadersGracefulExit() throws Exception {
    TaskQueue<Job, String> leader = queue();
    TaskQueue<Job, String> submitter = queue();
    TaskQueue<Job, String> worker = queue();
    assertThat(leader.handle().isLeader()).isTrue();
    CountDownLatch release = new CountDownLatch(1);
    Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
    worker.serve(2, (job, ctx) -> {
      runs.computeIfAbsent(job.n(), k -> new AtomicInteger()).incrementAndGet();
      if (job.n() < 2) {
        release.await(20, TimeUnit.SECONDS); // two tasks are running when the leader goes
      }
      return "r" + job.n();
    });
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      results.add(submitter.submit(new Job(i, "t")));
    }
    // Tasks 0 and 1 block; the others may come first and finish (the leader serves the submits
    // concurrently, so the broker may get them in any order), so wait for those two, not a count.
    Deadline.await("tasks 0 and 1 running", WAIT, () -> runs.containsKey(0) && runs.containsKey(1));
    leader.close(); // the broker goes with it; the waiting tasks come back with the re-submits
    Deadline.await("a new leader", WAIT, () -> submitter.handle().isLeader() || worker.handle().isLeader());
    release.countDown();
    for (int i = 0; i < 6; i++) {
      assertThat(results.get(i).get(20, TimeUnit.SECONDS)).isEqualTo("r" + i);
    }
    // Claimed by their worker, the running tasks did not run twice; nobody died mid-task.
    assertThat(runs).allSatisfy((n, count) -> assertThat(count.get()).as("runs of %d", n).isEqualTo(1));
  }
}
