package io.clusterclient.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Node.js side: finds {@code node} and {@code npm}, installs cluster-client {@value #VERSION}
 * with {@code npm install --no-audit --no-fund} into a temporary folder next to {@code bench.js},
 * and deletes the folder on {@link #close()}. Used by one thread.
 */
final class NodeSetup implements AutoCloseable {
  static final String VERSION = "3.7.0";
  private static final String[] RESOURCES = {"package.json", "package-lock.json", "bench.js"};

  private final String version;
  private final Path dir;

  private NodeSetup(String version, Path dir) {
    this.version = version;
    this.dir = dir;
  }

  /**
   * Detects node and npm and installs the library.
   *
   * @param logDir where {@code npm-install.log} goes
   * @return the setup, or empty with the reason printed when node or npm is missing
   * @throws BenchmarkException when npm install fails
   */
  static Optional<NodeSetup> install(Path logDir) {
    Optional<String> node = run(List.of("node", "--version"), null, null, 20);
    if (node.isEmpty()) {
      System.out.println("[bench] node is not installed (or did not answer): Node.js columns are n/a");
      return Optional.empty();
    }
    if (run(List.of("npm", "--version"), null, null, 30).isEmpty()) {
      System.out.println("[bench] npm is not installed (or did not answer): Node.js columns are n/a");
      return Optional.empty();
    }
    Path dir;
    try {
      dir = Files.createTempDirectory("cluster-client-node-bench-");
      for (String name : RESOURCES) {
        try (InputStream in = NodeSetup.class.getResourceAsStream("/node-bench/" + name)) {
          if (in == null) {
            throw new BenchmarkException("resource node-bench/" + name + " is missing");
          }
          Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path log = logDir.resolve("npm-install.log");
    System.out.println("[bench] npm install --no-audit --no-fund cluster-client@" + VERSION + " in " + dir);
    long t0 = System.nanoTime();
    if (run(List.of("npm", "install", "--no-audit", "--no-fund"), dir, log, 300).isEmpty()) {
      deleteTree(dir);
      throw new BenchmarkException("npm install failed; see " + log);
    }
    if (!Files.isRegularFile(dir.resolve("node_modules/cluster-client/package.json"))) {
      deleteTree(dir);
      throw new BenchmarkException("npm install did not install cluster-client; see " + log);
    }
    System.out.printf("[bench] npm install took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    return Optional.of(new NodeSetup(node.get(), dir));
  }

  String node() {
    return "node";
  }

  String version() {
    return version;
  }

  Path script() {
    return dir.resolve("bench.js");
  }

  @Override
  public void close() {
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.out.println("[bench] could not delete " + dir + ": " + e.getMessage());
    }
  }

  /** Runs a command; its last line of output when it exits 0 in time, else empty. */
  private static Optional<String> run(List<String> command, Path dir, Path log, int timeoutSeconds) {
    Process p = null;
    try {
      Path out = log != null ? log : Files.createTempFile("bench-probe", ".txt");
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
      if (dir != null) {
        pb.directory(dir.toFile());
      }
      p = pb.start();
      p.getOutputStream().close();
      boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      String text = Files.readString(out, StandardCharsets.UTF_8).trim();
      if (log == null) {
        Files.deleteIfExists(out);
      }
      if (!done) {
        p.destroyForcibly();
        return Optional.empty();
      }
      if (p.exitValue() != 0) {
        return Optional.empty();
      }
      String[] lines = text.split("\\R");
      return Optional.of(lines[lines.length - 1].trim());
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (p != null) {
        p.destroyForcibly();
      }
      return Optional.empty();
    }
  }
}
