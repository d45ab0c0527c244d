package io.clusterclient.benchmarks.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clusterclient.ClusterOptions;
import io.clusterclient.tasks.ClusterTasks;
import io.clusterclient.tasks.TaskQueue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * A process of the task-queue benchmark. Arguments: {@code port mode slots}, mode {@code serve} (runs
 * empty tasks), {@code submit} (submits them; started first, so it leads) or {@code pool} (the floor:
 * a {@code ThreadPoolExecutor} of {@code slots} threads in this process, no queue). Prints {@code READY
 * {}}, then answers JSON commands on stdin with {@code RESULT <json>}:
 *
 * <ul>
 *   <li>{@code {"cmd":"throughput","window":W,"ms":T}}: keeps W tasks in flight for T ms; answers
 *       {@code {"tasks":n,"seconds":s}};
 *   <li>{@code {"cmd":"latency","count":N}}: N tasks one after another; answers the time from submit
 *       to the handler's start, {@code {"p50":µs,"p99":µs}} ({@code System.nanoTime} is one clock for
 *       every process of a Linux host);
 *   <li>{@code {"cmd":"exit"}}.
 * </ul>
 */
public final class TaskWorker {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An empty task: only when it was submitted. */
  public record Empty(long submitNanos) {}

  private TaskWorker() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String mode = args[1];
    int slots = Integer.parseInt(args[2]);
    TaskQueue<Empty, Long> queue = null;
    ExecutorService pool = null;
    LongFunction<CompletableFuture<Long>> submit;
    if (mode.equals("pool")) {
      ExecutorService p = Executors.newFixedThreadPool(slots);
      pool = p;
      submit = at -> CompletableFuture.supplyAsync(() -> System.nanoTime() - at, p);
    } else {
      queue =
          ClusterTasks.builder("bench-tasks", Empty.class, Long.class)
              .options(ClusterOptions.builder().port(port).maxWaitTime(Duration.ofSeconds(60)).build())
              .create();
      queue.handle().ready().get(60, TimeUnit.SECONDS);
      if (mode.equals("serve")) {
        queue.serve(slots, (Empty task) -> System.nanoTime() - task.submitNanos()).get(60, TimeUnit.SECONDS);
      }
      TaskQueue<Empty, Long> q = queue;
      submit = at -> q.submit(new Empty(at));
    }
    System.out.println("READY {}");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      JsonNode cmd = JSON.readTree(line);
      ObjectNode out = JSON.createObjectNode();
      switch (cmd.path("cmd").asText()) {
        case "throughput" -> {
          int window = cmd.path("window").asInt(64);
          long end = System.nanoTime() + cmd.path("ms").asLong(1000) * 1_000_000L;
          Semaphore inFlight = new Semaphore(window);
          AtomicLong done = new AtomicLong();
          long start = System.nanoTime();
          while (System.nanoTime() < end) {
            if (!inFlight.tryAcquire(10, TimeUnit.MILLISECONDS)) {
              continue;
            }
            submit.apply(System.nanoTime()).whenComplete((v, e) -> {
              if (e == null) {
                done.incrementAndGet();
              }
              inFlight.release();
            });
          }
          inFlight.acquire(window); // the last ones land
          double seconds = (System.nanoTime() - start) / 1e9;
          out.put("tasks", done.get()).put("seconds", seconds);
        }
        case "latency" -> {
          int count = cmd.path("count").asInt(1000);
          long[] micros = new long[count];
          for (int i = 0; i < count; i++) {
            micros[i] = submit.apply(System.nanoTime()).get(60, TimeUnit.SECONDS) / 1000;
          }
          Arrays.sort(micros);
          out.put("p50", micros[(int) Math.ceil(0.5 * count) - 1])
              .put("p99", micros[(int) Math.ceil(0.99 * count) - 1]);
        }
        case "exit" -> {
          if (queue != null) {
            queue.close();
          }
          if (pool != null) {
            pool.shutdownNow();
          }
          System.out.println("RESULT {}");
          return;
        }
        default -> out.put("error", "unknown command " + cmd);
      }
      System.out.println("RESULT " + out);
    }
  }
}
