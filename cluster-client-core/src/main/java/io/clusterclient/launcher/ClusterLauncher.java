package io.clusterclient.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs N worker JVMs and keeps them running: the JVM's answer to the Node.js cluster master (egg's
 * master process). Each worker is a JVM started with the launcher's Java and classpath and a main
 * class of yours; the workers' clients then share one real client among them as any processes do.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   System.exit(ClusterLauncher.of(MyWorkerMain.class).workers(4).args(args).run());
 * }
 * }</pre>
 *
 * <ul>
 *   <li>A worker that exits, for whatever reason and with whatever code, is started again after a
 *       backoff: {@link #restartBackoff first} 100 ms, doubling to 10 s for a worker that keeps
 *       dying, back to the first once one has run longer than the longest backoff.
 *   <li>A crash loop stops everything instead of spinning: a worker that exits more than {@link
 *       #crashLoop 5 times within 60 s} makes the launcher stop the others and end with exit code 1,
 *       saying which worker, how often, and its last exit code.
 *   <li>SIGTERM to the launcher (or {@link Launched#stop()}) stops the workers gracefully: each gets
 *       SIGTERM (a worker whose clients were created with {@code closeOnShutdown(true)} hands its
 *       leadership over), and those still running after {@link #stopTimeout 10 s} are killed.
 *   <li>Each line a worker prints goes to the launcher's standard output or error, prefixed with the
 *       worker's name: {@code [worker-2] ...}.
 *   <li>Each worker knows its number (1 to N, kept across restarts) from the system property {@code
 *       clusterclient.workerId} and the environment variable {@code CLUSTER_CLIENT_WORKER_ID}.
 * </ul>
 *
 * <p>The launcher's exit code ({@link #run()}, {@link Launched#awaitExit()}) is 0 when it was stopped
 * and 1 after a crash loop or when a worker could not be started. A launcher killed with SIGKILL
 * cannot stop its workers; they should end on their own when their standard input closes (see
 * {@link #exitWhenLauncherExits()}).
 *
 * <p>Not thread-safe while it is being configured; {@link #start()} copies the settings.
 */
public final class ClusterLauncher {
  /** The system property that tells a worker its number, 1 to N. */
  public static final String WORKER_ID_PROPERTY = "clusterclient.workerId";

  /** The environment variable that tells a worker its number, 1 to N. */
  public static final String WORKER_ID_ENV = "CLUSTER_CLIENT_WORKER_ID";

  private final String mainClass;
  private int workers = Runtime.getRuntime().availableProcessors();
  private final List<String> args = new ArrayList<>();
  private final List<String> jvmOptions = new ArrayList<>();
  private final Map<String, String> environment = new LinkedHashMap<>();
  private String classpath = System.getProperty("java.class.path");
  private String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private Duration firstBackoff = Duration.ofMillis(100);
  private Duration maxBackoff = Duration.ofSeconds(10);
  private int crashLoopExits = 5;
  private Duration crashLoopWindow = Duration.ofSeconds(60);
  private Duration stopTimeout = Duration.ofSeconds(10);
  private Consumer<String> out = System.out::println;
  private Consumer<String> err = System.err::println;
  private boolean stopOnShutdown = true;

  private ClusterLauncher(String mainClass) {
    this.mainClass = mainClass;
  }

  /**
   * Starts describing the workers.
   *
   * @param mainClass the workers' main class: public, with a {@code public static void
   *     main(String[])}
   * @return a launcher with the defaults: one worker per core, the launcher's Java and classpath
   * @throws IllegalArgumentException when the class has no public static main method
   */
  public static ClusterLauncher of(Class<?> mainClass) {
    try {
      Method main = mainClass.getMethod("main", String[].class);
      if (!Modifier.isStatic(main.getModifiers())) {
        throw new NoSuchMethodException("main is not static");
      }
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(mainClass.getName() + " has no public static void main(String[]):"
          + " give the launcher the class a worker JVM starts with", e);
    }
    return new ClusterLauncher(mainClass.getName());
  }

  /**
   * How many workers; one per core by default.
   *
   * @param workers at least 1
   * @return this launcher
   */
  public ClusterLauncher workers(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, not " + workers);
    }
    this.workers = workers;
    return this;
  }

  /**
   * Arguments of every worker's main method.
   *
   * @param args the arguments, added to those given before
   * @return this launcher
   */
  public ClusterLauncher args(String... args) {
    Collections.addAll(this.args, args);
    return this;
  }

  /**
   * Options of every worker's JVM, such as {@code -Xmx256m} or {@code -Dkey=value}.
   *
   * @param options the options, added to those given before
   * @return this launcher
   */
  public ClusterLauncher jvmOptions(String... options) {
    Collections.addAll(this.jvmOptions, options);
    return this;
  }

  /**
   * An environment variable of every worker, beside those the launcher has.
   *
   * @param name the name
   * @param value the value
   * @return this launcher
   */
  public ClusterLauncher environment(String name, String value) {
    environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * The workers' classpath; the launcher's own by default.
   *
   * @param classpath a classpath string
   * @return this launcher
   */
  public ClusterLauncher classpath(String classpath) {
    this.classpath = Objects.requireNonNull(classpath, "classpath");
    return this;
  }

  /**
   * The {@code java} executable of the workers; the launcher's own by default.
   *
   * @param java the executable
   * @return this launcher
   */
  public ClusterLauncher java(Path java) {
    this.java = java.toString();
    return this;
  }

  /**
   * How long a worker that exited waits before it starts again: {@code first} after a worker that
   * ran long enough, doubling after each quick exit up to {@code max}; 100 ms and 10 s by default.
   *
   * @param first the first delay, zero or more
   * @param max the longest delay, at least {@code first}
   * @return this launcher
   */
  public ClusterLauncher restartBackoff(Duration first, Duration max) {
    if (first.isNegative() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("restartBackoff needs 0 <= first <= max, not " + first + ", " + max);
    }
    this.firstBackoff = first;
    this.maxBackoff = max;
    return this;
  }

  /**
   * When a worker that keeps exiting stops the launcher: more than {@code exits} exits within {@code
   * window}; 5 within 60 s by default.
   *
   * @param exits at least 1
   * @param window positive
   * @return this launcher
   */
  public ClusterLauncher crashLoop(int exits, Duration window) {
    if (exits < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("crashLoop needs exits >= 1 and a positive window, not " + exits
          + ", " + window);
    }
    this.crashLoopExits = exits;
    this.crashLoopWindow = window;
    return this;
  }

  /**
   * How long the workers have to exit after SIGTERM before they are killed; 10 s by default.
   *
   * @param timeout zero or more
   * @return this launcher
   */
  public ClusterLauncher stopTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("stopTimeout must not be negative: " + timeout);
    }
    this.stopTimeout = timeout;
    return this;
  }

  /**
   * Where the workers' prefixed lines and the launcher's own go; standard output and error by
   * default. The consumers are called from several threads, one line at a time each.
   *
   * @param out the workers' standard output and the launcher's news
   * @param err the workers' standard error and the launcher's problems
   * @return this launcher
   */
  public ClusterLauncher output(Consumer<String> out, Consumer<String> err) {
    this.out = Objects.requireNonNull(out, "out");
    this.err = Objects.requireNonNull(err, "err");
    return this;
  }

  /**
   * Whether a JVM shutdown (SIGTERM, {@code System.exit}) stops the workers gracefully first; true
   * by default.
   *
   * @param stop false to leave the workers running when the launcher's JVM exits
   * @return this launcher
   */
  public ClusterLauncher stopOnShutdown(boolean stop) {
    this.stopOnShutdown = stop;
    return this;
  }

  /**
   * Starts the workers.
   *
   * @return the running workers
   */
  public Launched start() {
    Launched launched = new Launched(this);
    launched.begin();
    return launched;
  }

  /**
   * Starts the workers and waits until the launcher stops: for a main method, whose exit code it
   * returns.
   *
   * @return 0 once stopped (SIGTERM, {@link Launched#stop()}), 1 after a crash loop
   */
  public int run() {
    return start().awaitExit();
  }

  /**
   * For a worker's main method: ends this JVM (with exit code 1, running its shutdown hooks) when
   * its standard input closes, which happens when the launcher that started it exits, even by
   * SIGKILL. Call it once, early; it starts a daemon thread. Do not call it in a JVM whose standard
   * input is a terminal or is used otherwise.
   */
  public static void exitWhenLauncherExits() {
    Thread t = new Thread(() -> {
      try {
        InputStream in = System.in;
        while (in.read() >= 0) {
          // the launcher writes nothing: this returns when it is gone
        }
      } catch (IOException e) {
        // closed: the same
      }
      System.exit(1);
    }, "cluster-launcher-watch");
    t.setDaemon(true);
    t.start();
  }

  /** The running workers of a launcher. Thread-safe. */
  public static final class Launched {
    private final ClusterLauncher config;
    private final List<String> command;
    private final Slot[] slots;
    private final ScheduledExecutorService timer;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final Thread hook;
    private volatile boolean stopping;

    private Launched(ClusterLauncher c) {
      this.config = c;
      List<String> cmd = new ArrayList<>();
      cmd.add(c.java);
      cmd.addAll(c.jvmOptions);
      cmd.add("-cp");
      cmd.add(c.classpath);
      this.command = List.copyOf(cmd);
      this.slots = new Slot[c.workers];
      for (int i = 0; i < slots.length; i++) {
        slots[i] = new Slot(i + 1);
      }
      this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-launcher");
        t.setDaemon(true);
        return t;
      });
      this.hook = new Thread(this::stopAndWait, "cluster-launcher-shutdown");
    }

    private void begin() {
      if (config.stopOnShutdown) {
        Runtime.getRuntime().addShutdownHook(hook);
      }
      config.out.accept("[launcher] starting " + slots.length + " workers of " + config.mainClass);
      for (Slot s : slots) {
        s.launch();
      }
    }

    /**
     * What each worker is now, in worker order.
     *
     * @return a snapshot
     */
    public List<Worker> workers() {
      List<Worker> list = new ArrayList<>();
      for (Slot s : slots) {
        list.add(s.snapshot());
      }
      return list;
    }

    /**
     * Kills a worker with SIGKILL, as a crash would; it is started again as any worker that exits.
     *
     * @param id the worker's number, 1 to N
     */
    public void kill(int id) {
      Process p = slot(id).process;
      if (p != null) {
        p.toHandle().destroyForcibly(); // the handle: its last output is still read
      }
    }

    /**
     * Stops one worker for good, gracefully: SIGTERM, then SIGKILL if it still runs after the stop
     * timeout; it is not started again. Returns once it has exited. The launcher goes on with the
     * others (and ends, with exit code 0, once none is left).
     *
     * @param id the worker's number, 1 to N
     */
    public void stopWorker(int id) {
      Slot s = slot(id);
      Process p;
      synchronized (s) {
        s.retired = true;
        s.cancelRestart();
        p = s.process;
      }
      terminate(s, p);
      boolean last = true;
      for (Slot other : slots) {
        last &= other.retired;
      }
      if (last) {
        stopAndWait();
      }
    }

    /**
     * Restarts one worker gracefully, as a rolling restart does: SIGTERM (its leader hands over),
     * SIGKILL if it still runs after the stop timeout, then a new JVM at once, under the same number.
     * Returns once the old JVM has exited; the new one is starting. Not counted as a crash.
     *
     * @param id the worker's number, 1 to N
     */
    public void restart(int id) {
      Slot s = slot(id);
      Process p;
      synchronized (s) {
        if (s.retired || stopping) {
          return;
        }
        s.cancelRestart();
        p = s.process;
        if (p == null || !p.isAlive()) {
          // Down already (waiting out a backoff, say): start it now.
          s.restartNow = false;
          s.schedule(0);
          return;
        }
        s.restartNow = true;
      }
      terminate(s, p);
    }

    /**
     * SIGTERM, then SIGKILL after the stop timeout; returns once the process has exited. Uses the
     * handle: {@code Process.destroy()} would also close this end of the worker's output, losing its
     * last lines.
     */
    private void terminate(Slot s, Process p) {
      if (p == null) {
        return;
      }
      p.toHandle().destroy();
      awaitOrKill(s, p, System.nanoTime() + config.stopTimeout.toNanos());
    }

    private void awaitOrKill(Slot s, Process p, long deadline) {
      try {
        if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          config.err.accept("[launcher] worker-" + s.id + " (pid " + p.pid() + ") still runs "
              + config.stopTimeout.toMillis() + " ms after SIGTERM: killing it");
          p.toHandle().destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.toHandle().destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }

    private Slot slot(int id) {
      if (id < 1 || id > slots.length) {
        throw new IllegalArgumentException("no worker " + id + ": workers are numbered 1 to " + slots.length);
      }
      return slots[id - 1];
    }

    /**
     * Stops the workers gracefully (SIGTERM, then SIGKILL for those still running after the stop
     * timeout) and ends the launcher with exit code 0. Returns once every worker has exited.
     * Idempotent.
     */
    public void stop() {
      stopAndWait();
    }

    /**
     * Completes with the launcher's exit code once every worker has exited for good.
     *
     * @return 0 after a stop, 1 after a crash loop
     */
    public CompletableFuture<Integer> exit() {
      return exit.copy();
    }

    /**
     * Waits until the launcher stops.
     *
     * @return its exit code: 0 after a stop, 1 after a crash loop
     */
    public int awaitExit() {
      try {
        return exit.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop();
        return 1;
      } catch (java.util.concurrent.ExecutionException e) {
        return 1;
      }
    }

    private void stopAndWait() {
      end(0, null);
      exit.join();
    }

    /** Stops every worker once, then completes the exit code. */
    private void end(int code, String why) {
      synchronized (this) {
        if (stopping) {
          return;
        }
        stopping = true;
      }
      if (why != null) {
        config.err.accept("[launcher] " + why);
      }
      Thread stopper = new Thread(() -> {
        // No launch is under way once the timer has stopped: every process is in its slot.
        timer.shutdownNow();
        try {
          timer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        List<Process> running = new ArrayList<>();
        for (Slot s : slots) {
          Process p;
          synchronized (s) {
            s.cancelRestart();
            p = s.process;
          }
          if (p != null && p.isAlive()) {
            running.add(p);
            p.toHandle().destroy(); // SIGTERM to all first: they stop side by side
          }
        }
        long deadline = System.nanoTime() + config.stopTimeout.toNanos();
        for (Slot s : slots) {
          Process p = s.process;
          if (p != null) {
            awaitOrKill(s, p, deadline);
          }
        }
        for (Slot s : slots) {
          s.awaitOutput();
        }
        if (Thread.currentThread() != hook && config.stopOnShutdown) {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException shuttingDown) {
            // the hook runs, or has run
          }
        }
        config.out.accept("[launcher] stopped " + running.size() + " running workers; exit code " + code);
        exit.complete(code);
      }, "cluster-launcher-stop");
      stopper.start();
    }

    /** One worker's place: restarted in the same place with the same number. */
    private final class Slot {
      final int id;
      final Deque<Long> exits = new ArrayDeque<>(); // nanoTimes of recent exits; guarded by this
      volatile Process process;
      volatile int restarts;
      volatile long startedNanos;
      volatile long backoffNanos = config.firstBackoff.toNanos();
      volatile java.util.concurrent.ScheduledFuture<?> pendingRestart;
      /** Stopped for good by {@link Launched#stopWorker(int)}. */
      volatile boolean retired;
      /** Stopped by {@link Launched#restart(int)}: started again at once, not counted as a crash. */
      volatile boolean restartNow;
      final List<Thread> copiers = new ArrayList<>();

      Slot(int id) {
        this.id = id;
      }

      Worker snapshot() {
        Process p = process;
        return new Worker(id, p == null ? -1 : p.pid(), p != null && p.isAlive(), restarts);
      }

      void launch() {
        if (stopping || retired) {
          return;
        }
        List<String> cmd = new ArrayList<>(command);
        cmd.add(cmd.size() - 2, "-D" + WORKER_ID_PROPERTY + "=" + id);
        cmd.add(config.mainClass);
        cmd.addAll(config.args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(config.environment);
        pb.environment().put(WORKER_ID_ENV, String.valueOf(id));
        Process p;
        try {
          p = pb.start();
        } catch (IOException e) {
          end(1, "cannot start worker-" + id + " (" + String.join(" ", cmd.subList(0, 1)) + "): " + e.getMessage());
          return;
        }
        boolean unwanted;
        synchronized (this) {
          process = p;
          startedNanos = System.nanoTime();
          copiers.removeIf(t -> !t.isAlive());
          copiers.add(copy(p.getInputStream(), config.out, p.pid()));
          copiers.add(copy(p.getErrorStream(), config.err, p.pid()));
          unwanted = retired || stopping; // stopped while it started
        }
        config.out.accept("[launcher] worker-" + id + " started, pid " + p.pid());
        p.onExit().thenRun(() -> exited(p));
        if (unwanted) {
          p.toHandle().destroy();
        }
      }

      private Thread copy(InputStream stream, Consumer<String> to, long pid) {
        String prefix = "[worker-" + id + "] ";
        Thread t = new Thread(() -> {
          try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
              to.accept(prefix + line);
            }
          } catch (IOException | UncheckedIOException e) {
            // the worker is gone
          }
        }, "cluster-launcher-output-" + id + "-" + pid);
        t.setDaemon(true);
        t.start();
        return t;
      }

      void awaitOutput() {
        List<Thread> threads;
        synchronized (this) {
          threads = new ArrayList<>(copiers);
        }
        for (Thread t : threads) {
          try {
            t.join(2000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }

      private synchronized void exited(Process p) {
        if (stopping || p != process) {
          return;
        }
        int code = p.exitValue();
        if (retired) {
          config.out.accept("[launcher] worker-" + id + " (pid " + p.pid() + ") stopped with code " + code);
          return;
        }
        if (restartNow) {
          restartNow = false;
          config.out.accept("[launcher] worker-" + id + " (pid " + p.pid() + ") restarted");
          restarts++;
          schedule(0);
          return;
        }
        long now = System.nanoTime();
        int recent;
        synchronized (this) {
          exits.addLast(now);
          while (!exits.isEmpty() && now - exits.peekFirst() > config.crashLoopWindow.toNanos()) {
            exits.removeFirst();
          }
          recent = exits.size();
          if (now - startedNanos > config.maxBackoff.toNanos()) {
            backoffNanos = config.firstBackoff.toNanos(); // it ran long enough: a fresh start
          }
        }
        if (recent > config.crashLoopExits) {
          end(1, "crash loop: worker-" + id + " exited " + recent + " times within "
              + config.crashLoopWindow.toSeconds() + " s (last exit code " + code + "); stopping every"
              + " worker. Its output above says why; fix the worker, or allow more with crashLoop(...)");
          return;
        }
        long delay = backoffNanos;
        backoffNanos = Math.min(Math.max(1, delay) * 2, config.maxBackoff.toNanos());
        config.err.accept("[launcher] worker-" + id + " (pid " + p.pid() + ") exited with code " + code
            + "; starting it again in " + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
        restarts++;
        schedule(delay);
      }

      /** Starts the worker again after a delay, on the launcher's thread. Called holding this. */
      void schedule(long delayNanos) {
        try {
          pendingRestart = timer.schedule(this::launch, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
          // the launcher stopped meanwhile
        }
      }

      void cancelRestart() {
        java.util.concurrent.ScheduledFuture<?> f = pendingRestart;
        if (f != null) {
          f.cancel(false);
        }
      }
    }
  }

  /**
   * One worker at one moment.
   *
   * @param id its number, 1 to N
   * @param pid the process id of its current (or last) JVM, or -1 before the first start
   * @param alive whether that JVM runs
   * @param restarts how often it was started again
   */
  public record Worker(int id, long pid, boolean alive, int restarts) {}
}
