package io.clusterclient.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterclient.ClusterOptions;
import io.clusterclient.tasks.ClusterTasks;
import io.clusterclient.tasks.TaskQueue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A process of a task queue for the multi-process tests, driven by lines on stdin.
 *
 * <p>Arguments: {@code port name}. System properties: {@code tasks.deadline} (ms), {@code
 * tasks.maxWaiting}, {@code tasks.maxDeliveries}, {@code tasks.leader} (true or false: force the role
 * of this process), {@code cc.responseTimeout} (ms). Prints {@code READY <name> <role>}, then answers
 * each command with {@code OK ...} or {@code ERR ...}. As a worker it prints {@code RUN <id> <delivery>}
 * when a task starts and {@code RAN <id> <delivery>} when it ends; as a submitter {@code RESULT <tag>
 * <n> <value>} or {@code FAILED <tag> <n> <exception>} per outcome of {@code submit}.
 *
 * <p>Commands: {@code role}; {@code serve <slots>}; {@code stop} (stop serving); {@code submit <count>
 * <sleepMs> <tag>}; {@code flow <inFlight> <sleepMs>} (keep that many tasks in flight until {@code
 * halt}); {@code halt}; {@code tally} (the flow's figures as JSON); {@code stats}; {@code exit}.
 */
public final class TaskChild {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A task: what to sleep, and a number to return. */
  public record Job(long n, long sleepMs) {}

  private TaskChild() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String name = args[1];
    ClusterOptions.Builder options =
        ClusterOptions.builder()
            .port(port)
            .maxWaitTime(Duration.ofSeconds(30))
            .responseTimeout(Duration.ofMillis(Long.getLong("cc.responseTimeout", 3000)));
    if (System.getProperty("tasks.leader") != null) {
      options.leader(Boolean.getBoolean("tasks.leader"));
    }
    TaskQueue<Job, String> queue =
        ClusterTasks.builder("it-jobs", Job.class, String.class)
            .options(options.build())
            .deadline(Duration.ofMillis(Long.getLong("tasks.deadline", 60_000)))
            .maxWaiting(Integer.getInteger("tasks.maxWaiting", 10_000))
            .maxDeliveries(Integer.getInteger("tasks.maxDeliveries", 5))
            .timeout(Duration.ofMinutes(5))
            .create();
    queue.handle().ready().get(60, TimeUnit.SECONDS);
    System.out.println("READY " + name + " " + queue.handle().role());

    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    AtomicLong numbers = new AtomicLong();
    Flow flow = new Flow(queue, numbers);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split(" ");
      try {
        switch (w[0]) {
          case "role" -> System.out.println("OK " + queue.handle().role());
          case "serve" -> {
            queue.serve(Integer.parseInt(w[1]), (job, ctx) -> {
              int now = concurrent.incrementAndGet();
              maxConcurrent.accumulateAndGet(now, Math::max);
              System.out.println("RUN " + ctx.id() + " " + ctx.delivery());
              try {
                Thread.sleep(job.sleepMs());
              } finally {
                concurrent.decrementAndGet();
              }
              System.out.println("RAN " + ctx.id() + " " + ctx.delivery());
              return "r" + job.n() + "@" + name + "@d" + ctx.delivery();
            }).get(60, TimeUnit.SECONDS);
            System.out.println("OK serving");
          }
          case "stop" -> {
            queue.stopServing().get(60, TimeUnit.SECONDS);
            System.out.println("OK stopped");
          }
          case "submit" -> {
            int count = Integer.parseInt(w[1]);
            long sleep = Long.parseLong(w[2]);
            String tag = w[3];
            for (int i = 0; i < count; i++) {
              long n = numbers.incrementAndGet();
              queue.submit(new Job(n, sleep)).whenComplete((v, e) -> {
                if (e == null) {
                  System.out.println("RESULT " + tag + " " + n + " " + v);
                } else {
                  Throwable c = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                  System.out.println("FAILED " + tag + " " + n + " " + c.getClass().getSimpleName() + ": "
                      + String.valueOf(c.getMessage()).replace('\n', ' '));
                }
              });
            }
            System.out.println("OK submitted " + count);
          }
          case "flow" -> {
            flow.start(Integer.parseInt(w[1]), Long.parseLong(w[2]));
            System.out.println("OK flowing");
          }
          case "halt" -> {
            flow.halt();
            System.out.println("OK halted");
          }
          case "tally" -> System.out.println("OK " + JSON.writeValueAsString(flow.tally()));
          case "stats" -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("stats", queue.stats());
            s.put("maxConcurrent", maxConcurrent.get());
            System.out.println("OK " + JSON.writeValueAsString(s));
          }
          case "exit" -> {
            queue.close();
            System.out.println("OK bye");
            System.exit(0);
          }
          default -> System.out.println("ERR unknown command " + w[0]);
        }
      } catch (Exception e) {
        System.out.println("ERR " + e.getClass().getName() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
      }
    }
    queue.close();
  }

  /** Keeps N tasks in flight and counts their outcomes; for the chaos test. */
  private static final class Flow {
    private final TaskQueue<Job, String> queue;
    private final AtomicLong numbers;
    private final Set<Long> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong redelivered = new AtomicLong();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private volatile boolean running;
    private Semaphore window;
    private Thread thread;

    Flow(TaskQueue<Job, String> queue, AtomicLong numbers) {
      this.queue = queue;
      this.numbers = numbers;
    }

    synchronized void start(int inFlight, long sleepMs) {
      window = new Semaphore(inFlight);
      running = true;
      thread = new Thread(() -> {
        while (running) {
          try {
            if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
              continue;
            }
          } catch (InterruptedException e) {
            return;
          }
          long n = numbers.incrementAndGet();
          open.add(n);
          submitted.incrementAndGet();
          queue.submit(new Job(n, sleepMs)).whenComplete((v, e) -> {
            open.remove(n);
            if (e == null) {
              completed.incrementAndGet();
              if (!v.endsWith("@d1")) {
                redelivered.incrementAndGet();
              }
            } else {
              failed.incrementAndGet();
              Throwable c = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
              failures.merge(c.getClass().getSimpleName() + ": " + c.getMessage(), 1, Integer::sum);
            }
            window.release();
          });
        }
      }, "flow");
      thread.start();
    }

    synchronized void halt() throws InterruptedException {
      running = false;
      if (thread != null) {
        thread.join(10_000);
      }
    }

    Map<String, Object> tally() {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("submitted", submitted.get());
      t.put("completed", completed.get());
      t.put("failed", failed.get());
      t.put("pending", open.size());
      t.put("redelivered", redelivered.get());
      t.put("failures", failures);
      return t;
    }
  }
}
