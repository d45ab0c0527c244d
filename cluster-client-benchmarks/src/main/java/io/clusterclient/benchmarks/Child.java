package io.clusterclient.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One process the harness started: a Java worker, a Node.js worker or a JMH run. Its stdout lines
 * are queued for {@link #await} and copied to {@code NAME.out.log}; its stderr goes to {@code
 * NAME.err.log}, both in the log folder. Commands go to its stdin, one line each.
 *
 * <p>Thread-safe for one commanding thread plus the internal reader.
 */
final class Child implements AutoCloseable {
  private static final String EOF = "\u0000EOF";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final Process process;
  private final long launchedNanos;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final PrintWriter stdin;
  private final Path outLog;
  private final Path errLog;

  private Child(String name, Process process, long launchedNanos, Path outLog, Path errLog) {
    this.name = name;
    this.process = process;
    this.launchedNanos = launchedNanos;
    this.outLog = outLog;
    this.errLog = errLog;
    this.stdin =
        new PrintWriter(
            new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
    Thread reader = new Thread(this::pump, "child-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a process.
   *
   * @param name a label, also the log files' names
   * @param command the command line
   * @param env extra environment variables
   * @param logDir where the logs go
   * @return the running child
   */
  static Child start(String name, List<String> command, Map<String, String> env, Path logDir) {
    try {
      Files.createDirectories(logDir);
      Path out = logDir.resolve(name + ".out.log");
      Path err = logDir.resolve(name + ".err.log");
      Files.writeString(out, String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8);
      ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile());
      pb.environment().putAll(env);
      long launched = System.nanoTime();
      Process p = pb.start();
      return new Child(name, p, launched, out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  private void pump() {
    try (BufferedReader r =
            new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        OutputStream log =
            Files.newOutputStream(outLog, java.nio.file.StandardOpenOption.APPEND)) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
        log.write((line + System.lineSeparator()).getBytes(StandardCharsets.UTF_8));
        log.flush();
      }
    } catch (IOException e) {
      // the process went away; EOF below wakes the waiter
    } finally {
      lines.add(EOF);
    }
  }

  String name() {
    return name;
  }

  /** {@link System#nanoTime()} just before the process was started. */
  long launchedNanos() {
    return launchedNanos;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for the next line starting with {@code prefix} (other lines are skipped; they stay in the
   * log) and returns what follows the prefix.
   *
   * @throws BenchmarkException on {@code ERROR}, end of output or timeout
   */
  String await(String prefix, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line;
      try {
        line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchmarkException(name + ": interrupted waiting for " + prefix);
      }
      if (line == null) {
        throw new BenchmarkException(
            name + ": no '" + prefix.trim() + "' within " + timeout.toSeconds() + " s; see " + errLog);
      }
      if (line.equals(EOF)) {
        lines.add(EOF);
        throw new BenchmarkException(
            name + " ended (exit " + exitCode() + ") before '" + prefix.trim() + "'; see " + errLog);
      }
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length());
      }
      if (line.startsWith("ERROR ")) {
        throw new BenchmarkException(name + ": " + line + "; see " + errLog);
      }
    }
  }

  /** {@link #await} and read the rest of the line as JSON. */
  JsonNode awaitJson(String prefix, Duration timeout) {
    String text = await(prefix + " ", timeout);
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new BenchmarkException(name + ": not JSON after " + prefix + ": " + text);
    }
  }

  /** Sends a command without waiting for its answer. */
  void send(JsonNode command) {
    stdin.println(command.toString());
  }

  /** Sends a command and waits for its {@code RESULT}. */
  JsonNode call(JsonNode command, Duration timeout) {
    send(command);
    return awaitJson("RESULT", timeout);
  }

  /** SIGTERM: what a rolling restart (workload h) does to each process; shutdown hooks run. */
  void terminate() {
    process.destroy();
  }

  /** SIGKILL: what the failover workload does to a leader. */
  void kill() {
    process.destroyForcibly();
  }

  boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String exitCode() {
    try {
      return process.waitFor(2, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "none yet";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /** Asks for a clean exit, then kills. */
  @Override
  public void close() {
    if (process.isAlive()) {
      stdin.println("{\"op\":\"exit\"}");
      stdin.close();
      if (!waitFor(Duration.ofSeconds(5))) {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(5));
      }
    }
  }
}
