package io.clusterclient.spring.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started by a test with the test's own classpath. Its stdout is kept in memory (for {@link
 * #awaitLine}) and written, with its stderr, to a log file that every failure message names and
 * quotes. {@link #close()} asks for a clean exit, then kills it.
 *
 * <p>Thread-safe. One daemon thread per child reads its stdout; it runs no test code.
 */
final class ChildJvm implements AutoCloseable {
  private static final Duration EXIT_GRACE = Duration.ofSeconds(10);
  private static final Duration KILL_GRACE = Duration.ofSeconds(10);

  private final String name;
  private final Process process;
  private final Path log;
  private final Writer logWriter; // guarded by lines
  private final List<String> lines = new ArrayList<>(); // guarded by itself
  private boolean ended; // guarded by lines

  private ChildJvm(String name, Process process, Path log, Writer logWriter) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.logWriter = logWriter;
  }

  /**
   * Starts {@code mainClass} in a new JVM: the same java binary and classpath as this one.
   *
   * @param name a label for messages and the log file
   * @param logDir where the log file goes
   * @param mainClass the class whose main runs
   * @param args its arguments
   * @return the running child
   */
  static ChildJvm start(String name, Path logDir, Class<?> mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-Dio.netty.leakDetection.level=paranoid");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(args);
    try {
      Files.createDirectories(logDir);
      Path log = logDir.resolve(name + "-" + System.nanoTime() + ".log").toAbsolutePath();
      Path errLog = Path.of(log + ".stderr");
      Process process =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(errLog.toFile())).start();
      ChildJvm child = new ChildJvm(name, process, log, Files.newBufferedWriter(log, UTF_8));
      child.appendLog(
          "[fix] pid " + process.pid() + ": "
              + String.join(" ", command).replace(System.getProperty("java.class.path"), "<the test classpath>"));
      Thread reader = new Thread(child::pump, "child-jvm-" + name + "-out");
      reader.setDaemon(true);
      reader.start();
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the child JVM " + name, e);
    }
  }

  long pid() {
    return process.pid();
  }

  /** How many stdout lines arrived so far: pass it to {@link #awaitLine} to skip older ones. */
  int lineCount() {
    synchronized (lines) {
      return lines.size();
    }
  }

  /**
   * Waits for a stdout line that starts with {@code prefix}, among the lines from index {@code
   * from} on.
   *
   * @return the line
   * @throws AssertionError naming the child and quoting its log, on timeout or when its output ends
   */
  String awaitLine(String prefix, int from, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      while (true) {
        for (int i = from; i < lines.size(); i++) {
          if (lines.get(i).startsWith(prefix)) {
            return lines.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (ended || left <= 0) {
          throw new AssertionError(
              (ended ? "output ended" : "timed out after " + timeout.toSeconds() + " s")
                  + " waiting for a line starting with '" + prefix + "' from " + this + "\n"
                  + tail());
        }
        try {
          lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted waiting for '" + prefix + "' from " + this);
        }
      }
    }
  }

  String awaitLine(String prefix, Duration timeout) {
    return awaitLine(prefix, 0, timeout);
  }

  /** Writes one line to the child's stdin. */
  void send(String line) {
    appendLog("[in] " + line);
    try {
      process.getOutputStream().write((line + "\n").getBytes(UTF_8));
      process.getOutputStream().flush();
    } catch (IOException e) {
      throw new AssertionError("cannot send '" + line + "' to " + this + "\n" + tail(), e);
    }
  }

  /** Sends SIGTERM: the JVM runs its shutdown hooks, Spring's among them, then exits. */
  void terminate() {
    appendLog("[fix] SIGTERM");
    // Not Process.destroy(), which also closes the child's stdout before its last lines are read.
    process.toHandle().destroy();
  }

  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("no exit within " + timeout.toSeconds() + " s: " + this + "\n" + tail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for the exit of " + this);
    }
    return process.exitValue();
  }

  /**
   * Stops the child: {@code exit} on stdin, then SIGKILL if it is still alive after a grace period.
   * Then checks its log for buffers that Netty's leak detector reported.
   */
  @Override
  public void close() {
    boolean interrupted = false;
    if (process.isAlive()) {
      try {
        send("exit");
      } catch (AssertionError e) {
        // It is exiting already; the waits below see that.
      }
      try {
        process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (process.isAlive()) {
      appendLog("[fix] SIGKILL");
      process.destroyForcibly();
      try {
        process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (process.isAlive()) {
      throw new AssertionError("still alive after SIGKILL: " + this);
    }
    if (tail().contains("LEAK:")) {
      throw new AssertionError("Netty reported a leaked buffer in " + this + "\n" + tail());
    }
  }

  @Override
  public String toString() {
    return "child JVM '" + name + "' (pid " + process.pid() + ", "
        + (process.isAlive() ? "running" : "exited with " + process.exitValue()) + ", log " + log
        + " and " + log + ".stderr)";
  }

  private void pump() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        appendLog("[out] " + line);
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException e) {
      appendLog("[fix] reading stdout failed: " + e);
    } finally {
      synchronized (lines) {
        ended = true;
        lines.notifyAll();
      }
    }
  }

  private void appendLog(String line) {
    synchronized (lines) {
      try {
        logWriter.write(line);
        logWriter.write('\n');
        logWriter.flush();
      } catch (IOException e) {
        // The log is for diagnosis only; the lines in memory still serve the test.
      }
    }
  }

  /** The last lines of stdout and stderr, for failure messages. */
  private String tail() {
    StringBuilder out = new StringBuilder();
    for (Path p : List.of(log, Path.of(log + ".stderr"))) {
      try {
        List<String> all = Files.readAllLines(p, UTF_8);
        out.append("--- last lines of ").append(p).append(":\n");
        all.subList(Math.max(0, all.size() - 40), all.size()).forEach(l -> out.append("  ").append(l).append('\n'));
      } catch (IOException | UncheckedIOException e) {
        out.append("--- cannot read ").append(p).append(": ").append(e).append('\n');
      }
    }
    return out.toString();
  }
}
