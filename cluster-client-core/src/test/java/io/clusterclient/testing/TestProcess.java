package io.clusterclient.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A spawned OS process for tests. Its stdout and stderr go to a log file (each line prefixed {@code [out] }
 * or {@code [err] }, flushed per line, so the file is complete even if the test JVM dies), and its stdout
 * lines are also kept in memory so a test can wait for them. Every failure message names the log file and
 * quotes its tail, so a failed run can be diagnosed from the report alone.
 *
 * <pre>{@code
 * try (TestProcess child = ChildJvm.builder(EchoMain.class).start()) {
 *   child.awaitLine("READY", Duration.ofSeconds(10));
 *   child.send("hello");
 *   child.awaitLine("ECHO hello", Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>Besides the child's output the log holds lines the fixture adds: {@code [in] } for each line sent
 * and {@code [fix] } for the command, signals and the exit code.
 *
 * <p>Thread-safe: every method may be called from any thread. The awaits share one read cursor, so
 * concurrent awaits on the same process compete for lines rather than each seeing all of them. The two
 * reader threads are daemons named {@code test-process-<name>-out} and {@code test-process-<name>-err};
 * they run no user code.
 */
public final class TestProcess implements AutoCloseable {
  private static final int FAILURE_TAIL_LINES = 40;
  private static final Duration EXIT_GRACE = Duration.ofSeconds(5);
  private static final Duration TERMINATE_GRACE = Duration.ofSeconds(5);
  private static final Duration KILL_GRACE = Duration.ofSeconds(10);
  private static final Duration SIGNAL_COMMAND_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READER_DRAIN = Duration.ofSeconds(2);
  // The stdout pipe normally reports end-of-file within milliseconds of the exit; a grandchild that
  // inherited it could hold it open forever, so an await gives up this long after the exit instead.
  private static final long DRAIN_AFTER_EXIT_NANOS = READER_DRAIN.toNanos();

  private final String name;
  private final Process process;
  private final Path logFile;

  private final Object logLock = new Object();
  private final Writer log; // guarded by logLock
  private boolean logClosed; // guarded by logLock

  private final Object stdinLock = new Object();
  private final Writer stdin; // guarded by stdinLock

  private final ReentrantLock linesLock = new ReentrantLock();
  private final Condition linesChanged = linesLock.newCondition();
  private final List<String> stdoutLines = new ArrayList<>(); // guarded by linesLock
  private int cursor; // guarded by linesLock
  private boolean stdoutClosed; // guarded by linesLock
  private boolean exited; // guarded by linesLock
  private long exitedAtNanos; // guarded by linesLock

  private final Object closeLock = new Object();
  private volatile boolean closed; // written under closeLock
  private volatile boolean suspended;

  private final Thread outReader;
  private final Thread errReader;

  private TestProcess(String name, Process process, Path logFile, Writer log) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.log = log;
    this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), UTF_8));
    this.outReader = readerThread("out", process.getInputStream(), "[out] ", true);
    this.errReader = readerThread("err", process.getErrorStream(), "[err] ", false);
  }

  /**
   * Starts {@code command} with the test JVM's environment plus {@code extraEnv}, logging to {@code
   * logDir/<name>-<pid>.log}. The child's stdin stays open for {@link #send(String)}.
   *
   * @param name a short label for messages, thread names and the log file name
   * @param command the program and its arguments
   * @param extraEnv variables to add to the inherited environment; a {@code null} value removes one
   * @param logDir where the log file goes; created if missing
   * @return the running process
   * @throws UncheckedIOException if the process or its log file cannot be created
   */
  public static TestProcess start(
      String name, List<String> command, Map<String, String> extraEnv, Path logDir) {
    Objects.requireNonNull(name, "name");
    List<String> commandCopy = List.copyOf(command);
    ProcessBuilder builder = new ProcessBuilder(commandCopy);
    extraEnv.forEach(
        (key, value) -> {
          if (value == null) {
            builder.environment().remove(key);
          } else {
            builder.environment().put(key, value);
          }
        });
    Process process;
    try {
      Files.createDirectories(logDir);
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + commandCopy, e);
    }
    Path logFile = logDir.resolve(fileNameSafe(name) + "-" + process.pid() + ".log").toAbsolutePath();
    Writer log;
    try {
      log =
          Files.newBufferedWriter(
              logFile,
              UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE);
    } catch (IOException e) {
      // Nobody else holds the process yet, so it would outlive the test unless killed here.
      process.destroyForcibly();
      throw new UncheckedIOException("cannot create log file " + logFile + " for " + name, e);
    }
    TestProcess started = new TestProcess(name, process, logFile, log);
    started.writeLog("[fix] ", "started pid " + process.pid() + ": " + String.join(" ", commandCopy));
    started.outReader.start();
    started.errReader.start();
    process.onExit().thenRun(started::onExit);
    return started;
  }

  /** Returns the label given at start. */
  public String name() {
    return name;
  }

  /** Returns the OS process id. */
  public long pid() {
    return process.pid();
  }

  /** Returns the absolute path of the log file holding stdout, stderr and fixture lines. */
  public Path logFile() {
    return logFile;
  }

  /** Returns whether the process is running (a suspended process counts as running). */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Returns a snapshot of every stdout line read so far, including lines awaits skipped. */
  public List<String> lines() {
    linesLock.lock();
    try {
      return List.copyOf(stdoutLines);
    } finally {
      linesLock.unlock();
    }
  }

  /**
   * Writes {@code line} and a newline to the child's stdin and flushes.
   *
   * @param line one line, without line breaks
   * @throws IllegalStateException naming the log file if the process is dead or its stdin is closed
   */
  public void send(String line) {
    if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("send one line at a time, without line breaks: " + quote(line));
    }
    synchronized (stdinLock) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "cannot send " + quote(line) + " to " + describeProcess() + "; log file: " + logFile);
      }
      try {
        stdin.write(line);
        stdin.write('\n');
        stdin.flush();
      } catch (IOException e) {
        throw new IllegalStateException(
            "cannot send " + quote(line) + " to " + describeProcess() + " (" + e.getMessage()
                + "); log file: " + logFile,
            e);
      }
    }
    writeLog("[in] ", line);
  }

  /**
   * Waits for the next unread stdout line that starts with {@code prefix}.
   *
   * @see #awaitLine(String, Predicate, Duration)
   */
  public String awaitLine(String prefix, Duration timeout) {
    Objects.requireNonNull(prefix, "prefix");
    return awaitLine(
        "a stdout line starting with " + quote(prefix), line -> line.startsWith(prefix), timeout);
  }

  /**
   * Waits for the next unread stdout line that matches.
   *
   * @see #awaitLine(String, Predicate, Duration)
   */
  public String awaitLine(Predicate<String> match, Duration timeout) {
    return awaitLine("a stdout line matching " + match, match, timeout);
  }

  /**
   * Waits for the first stdout line after the read cursor that matches, and moves the cursor past it, so
   * successive awaits see successive lines. Lines before the match are skipped (they stay in {@link
   * #lines()}). A failed await leaves the cursor where it was.
   *
   * <p>Fails as soon as the child's stdout ends (it exited or closed it) rather than after the full
   * timeout. {@code match} runs on the calling thread while a lock is held, so keep it quick.
   *
   * @param description what is awaited, for the failure message, e.g. "the leader's LEADER line"
   * @param match the line to wait for
   * @param timeout how long to wait
   * @return the matching line
   * @throws AssertionError on timeout, end of output or interrupt (the interrupt flag stays set); the
   *     message names the process, its pid, its exit code if dead, the log file and the log's last lines
   */
  public String awaitLine(String description, Predicate<String> match, Duration timeout) {
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(match, "match");
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String failure;
    linesLock.lock();
    try {
      int scan = cursor;
      while (true) {
        // Another await may have consumed lines while this one waited.
        scan = Math.max(scan, cursor);
        while (scan < stdoutLines.size()) {
          String line = stdoutLines.get(scan++);
          if (match.test(line)) {
            cursor = scan;
            return line;
          }
        }
        long now = System.nanoTime();
        if (stdoutClosed) {
          failure = "stdout ended";
          break;
        }
        if (exited && now - exitedAtNanos >= DRAIN_AFTER_EXIT_NANOS) {
          failure = "the process exited but its stdout stayed open (a grandchild may hold it); gave up";
          break;
        }
        long remaining = deadline - now;
        if (remaining <= 0) {
          failure = "timed out";
          break;
        }
        if (exited) {
          remaining = Math.min(remaining, exitedAtNanos + DRAIN_AFTER_EXIT_NANOS - now);
        }
        try {
          linesChanged.awaitNanos(remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failure = "interrupted";
          break;
        }
      }
    } finally {
      linesLock.unlock();
    }
    // Built outside the lock: it reads the log file and may wait briefly for the exit code.
    String elapsed = Deadline.describe(Duration.ofNanos(System.nanoTime() - start));
    String headline =
        failure.equals("timed out")
            ? "timed out after " + Deadline.describe(timeout) + " waiting for " + description
            : failure + " after " + elapsed + " while waiting for " + description;
    throw new AssertionError(failureMessage(headline, !failure.equals("interrupted")));
  }

  /**
   * Waits for the process to exit, then briefly for its remaining output to reach the log and {@link
   * #lines()}.
   *
   * @param timeout how long to wait for the exit
   * @return the exit code
   * @throws AssertionError with the log tail on timeout or interrupt (the interrupt flag stays set)
   */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new AssertionError(
            failureMessage(
                "timed out after " + Deadline.describe(timeout) + " waiting for the process to exit", false));
      }
      outReader.join(READER_DRAIN.toMillis());
      errReader.join(READER_DRAIN.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(failureMessage("interrupted while waiting for the process to exit", false));
    }
    return process.exitValue();
  }

  /**
   * Kills the process with SIGKILL and waits up to 10 s for it to be gone.
   *
   * @throws AssertionError if it is still alive after that, or on interrupt (the flag stays set)
   */
  public void kill() {
    writeLog("[fix] ", "sending SIGKILL");
    process.toHandle().destroyForcibly();
    try {
      if (!process.waitFor(KILL_GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new AssertionError(
            failureMessage("still alive " + Deadline.describe(KILL_GRACE) + " after SIGKILL", false));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(failureMessage("interrupted while waiting for SIGKILL to take effect", false));
    }
    suspended = false;
  }

  /**
   * Sends SIGTERM ({@code kill -TERM <pid>}): the JVM runs its shutdown hooks, then exits. Does not
   * wait; see {@link #awaitExit(Duration)}.
   *
   * @throws IllegalStateException if the process is dead
   * @throws AssertionError if the kill command fails, or on interrupt (the flag stays set)
   */
  public void terminate() {
    writeLog("[fix] ", "sending SIGTERM");
    signal("TERM");
  }

  /**
   * Stops the process with SIGSTOP ({@code kill -STOP <pid>}), e.g. to simulate a hung leader. Lines sent
   * meanwhile wait in the stdin pipe.
   *
   * @throws IllegalStateException if the process is dead
   * @throws AssertionError if the kill command fails, or on interrupt (the flag stays set)
   */
  public void suspend() {
    signal("STOP");
    suspended = true;
  }

  /**
   * Continues a suspended process with SIGCONT ({@code kill -CONT <pid>}).
   *
   * @throws IllegalStateException if the process is dead
   * @throws AssertionError if the kill command fails, or on interrupt (the flag stays set)
   */
  public void resume() {
    signal("CONT");
    suspended = false;
  }

  /**
   * Stops the process, politely first: resumes it if suspended, sends {@code exit} and closes its stdin,
   * waits up to 5 s; then SIGTERM and up to 5 s; then SIGKILL and up to 10 s. Then closes the streams and
   * the log file. An interrupt skips the polite steps; the flag stays set. Idempotent; a concurrent call
   * returns once the first has finished.
   *
   * @throws AssertionError only if the process is still alive after SIGKILL
   */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
      boolean interrupted = false;
      try {
        stopPolitely();
      } catch (InterruptedException e) {
        interrupted = true;
      }
      AssertionError failure = null;
      if (process.isAlive()) {
        writeLog("[fix] ", "sending SIGKILL");
        process.toHandle().destroyForcibly();
        long deadline = System.nanoTime() + KILL_GRACE.toNanos();
        while (process.isAlive() && deadline - System.nanoTime() > 0) {
          try {
            process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
          } catch (InterruptedException e) {
            // Keep waiting: returning now could leave a live child behind for the next test.
            interrupted = true;
          }
        }
        if (process.isAlive()) {
          failure =
              new AssertionError(
                  failureMessage("still alive " + Deadline.describe(KILL_GRACE) + " after SIGKILL", false));
        }
      }
      interrupted |= drainAndCloseStreams();
      if (!process.isAlive()) {
        writeLog("[fix] ", "closed; exit code " + process.exitValue());
      }
      synchronized (logLock) {
        logClosed = true;
        closeQuietly(log);
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (failure == null) {
        failure = leakReport();
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  /** Netty's leak detector (paranoid in tests) logs "LEAK:"; any such line fails the process. */
  private AssertionError leakReport() {
    try (java.util.stream.Stream<String> lines = Files.lines(logFile, UTF_8)) {
      if (lines.anyMatch(l -> l.contains("LEAK:"))) {
        return new AssertionError("Netty reported a leaked buffer in '" + name + "' (pid " + pid()
            + "); see " + logFile);
      }
      return null;
    } catch (IOException | java.io.UncheckedIOException e) {
      return null; // an unreadable log is reported by whoever reads it
    }
  }

  /**
   * Returns the last lines of the log file (stdout, stderr and fixture lines), joined by newlines. Never
   * throws: if the file cannot be read the result says why.
   *
   * @param lines how many lines at most
   */
  public String logTail(int lines) {
    if (lines < 0) {
      throw new IllegalArgumentException("lines must not be negative: " + lines);
    }
    ArrayDeque<String> tail = new ArrayDeque<>();
    // Under the log lock so the last line is never read half-written.
    synchronized (logLock) {
      // InputStreamReader replaces malformed bytes instead of throwing, unlike Files.newBufferedReader.
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(Files.newInputStream(logFile), UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (lines == 0) {
            continue;
          }
          if (tail.size() == lines) {
            tail.removeFirst();
          }
          tail.addLast(line);
        }
      } catch (IOException e) {
        return "<cannot read log file " + logFile + ": " + e + ">";
      }
    }
    return String.join("\n", tail);
  }

  @Override
  public String toString() {
    return "TestProcess[" + name + ", pid " + process.pid() + ", log " + logFile + "]";
  }

  private Thread readerThread(String stream, InputStream in, String prefix, boolean keepLines) {
    Thread thread = new Thread(() -> pump(in, prefix, keepLines), "test-process-" + name + "-" + stream);
    // A child that never closes its output must not keep the test JVM alive.
    thread.setDaemon(true);
    return thread;
  }

  private void pump(InputStream in, String prefix, boolean keepLines) {
    // InputStreamReader replaces malformed bytes, so odd child output cannot stop the logging.
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        writeLog(prefix, line);
        if (keepLines) {
          linesLock.lock();
          try {
            stdoutLines.add(line);
            linesChanged.signalAll();
          } finally {
            linesLock.unlock();
          }
        }
      }
    } catch (IOException e) {
      // close() closes the stream under a reader still blocked on it; anything else is worth noting.
      if (!closed) {
        writeLog("[fix] ", "reading " + prefix.trim() + " failed: " + e);
      }
    } finally {
      if (keepLines) {
        linesLock.lock();
        try {
          stdoutClosed = true;
          linesChanged.signalAll();
        } finally {
          linesLock.unlock();
        }
      }
    }
  }

  private void onExit() {
    linesLock.lock();
    try {
      exited = true;
      exitedAtNanos = System.nanoTime();
      linesChanged.signalAll();
    } finally {
      linesLock.unlock();
    }
    // May land before the last [out] lines, which are still in the pipe when the process is reaped.
    writeLog("[fix] ", "process exited with code " + process.exitValue());
  }

  private void stopPolitely() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    if (suspended) {
      try {
        resume();
      } catch (IllegalStateException | AssertionError e) {
        // SIGKILL below works on a stopped process too; only the clean exit is lost.
        writeLog("[fix] ", "could not resume before closing: " + e.getMessage());
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    }
    try {
      send("exit");
    } catch (IllegalStateException e) {
      // It died between the isAlive check and the write; the waits below see that.
    }
    // End of input asks children that do not know the "exit" command to stop as well.
    synchronized (stdinLock) {
      closeQuietly(stdin);
    }
    if (process.waitFor(EXIT_GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
      return;
    }
    writeLog("[fix] ", "no exit " + Deadline.describe(EXIT_GRACE) + " after \"exit\"; sending SIGTERM");
    process.destroy();
    if (process.waitFor(TERMINATE_GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
      return;
    }
    writeLog("[fix] ", "no exit " + Deadline.describe(TERMINATE_GRACE) + " after SIGTERM");
  }

  /** Lets the readers log the output left in the pipes, then closes every stream; returns if interrupted. */
  private boolean drainAndCloseStreams() {
    boolean interrupted = false;
    long deadline = System.nanoTime() + READER_DRAIN.toNanos();
    for (Thread reader : List.of(outReader, errReader)) {
      while (reader.isAlive() && deadline - System.nanoTime() > 0) {
        try {
          reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    synchronized (stdinLock) {
      closeQuietly(stdin);
    }
    // Unblocks a reader still waiting on a pipe that a grandchild holds open.
    closeQuietly(process.getInputStream());
    closeQuietly(process.getErrorStream());
    return interrupted;
  }

  private void signal(String signal) {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "cannot send SIG" + signal + " to " + describeProcess() + "; log file: " + logFile);
    }
    List<String> command = List.of("kill", "-" + signal, Long.toString(process.pid()));
    try {
      Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!kill.waitFor(SIGNAL_COMMAND_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)) {
        kill.destroyForcibly();
        throw new AssertionError(
            failureMessage("timed out after " + Deadline.describe(SIGNAL_COMMAND_TIMEOUT) + " running "
                + String.join(" ", command), false));
      }
      // The command has exited, so its few bytes of output are all in the pipe and this cannot block.
      String output = new String(kill.getInputStream().readAllBytes(), UTF_8).trim();
      if (kill.exitValue() != 0) {
        throw new AssertionError(
            failureMessage(String.join(" ", command) + " failed with exit code " + kill.exitValue() + ": "
                + output, false));
      }
    } catch (IOException e) {
      throw new AssertionError(
          failureMessage("cannot run " + String.join(" ", command) + ": " + e, false), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(
          failureMessage("interrupted while running " + String.join(" ", command), false));
    }
    writeLog("[fix] ", "sent SIG" + signal);
  }

  private void writeLog(String prefix, String line) {
    synchronized (logLock) {
      if (logClosed) {
        return;
      }
      try {
        log.write(prefix);
        log.write(line);
        log.write('\n');
        // Per line, so the file is complete whenever a test fails or the test JVM is killed.
        log.flush();
      } catch (IOException e) {
        logClosed = true;
        System.err.println("TestProcess " + name + ": cannot write log file " + logFile + ": " + e);
      }
    }
  }

  private String failureMessage(String headline, boolean awaitExitCode) {
    if (awaitExitCode) {
      // Output ends at exit, but the exit code shows only once the JDK has reaped the process.
      try {
        process.waitFor(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return headline
        + " from "
        + describeProcess()
        + ".\nLog file: "
        + logFile
        + "\nLast "
        + FAILURE_TAIL_LINES
        + " lines of the log:\n"
        + logTail(FAILURE_TAIL_LINES).indent(2);
  }

  private String describeProcess() {
    String state =
        process.isAlive()
            ? (suspended ? "suspended" : "still running")
            : "exited with code " + process.exitValue();
    return "process '" + name + "' (pid " + process.pid() + ", " + state + ")";
  }

  private static String quote(String text) {
    return '"' + text + '"';
  }

  private static String fileNameSafe(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // Closing is best effort: the process is gone or going, and the caller cannot act on this.
    }
  }
}
