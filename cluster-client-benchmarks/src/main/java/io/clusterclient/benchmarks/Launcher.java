package io.clusterclient.benchmarks;

import io.clusterclient.benchmarks.workload.ClusterWorker;
import io.clusterclient.benchmarks.workload.RawWorker;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts the processes of one implementation: its leader, and members in one of the worker modes
 * ({@code member}, {@code startup}, {@code footprint}). Java processes get this JVM's classpath.
 * Immutable.
 */
abstract class Launcher {
  final Impl impl;
  final Path logDir;

  Launcher(Impl impl, Path logDir) {
    this.impl = impl;
    this.logDir = logDir;
  }

  abstract Child leader(int port, String name, String label);

  abstract Child member(int port, String name, String label, String mode);

  /** Whether the implementation has subscriptions and publish (workload e). */
  abstract boolean pubSub();

  /** Whether the implementation elects a new leader when one dies (workload f). */
  abstract boolean failover();

  /** The JVM options of every Java process the harness starts, and of none other. */
  static List<String> jvmOptions(Path logDir, String label, boolean jfr) {
    List<String> options = new ArrayList<>();
    options.add("-Xms256m");
    options.add("-Xmx256m");
    options.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=" + System.getProperty("bench.logLevel", "warn"));
    options.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    options.add("-Dfile.encoding=UTF-8");
    options.add("-Djava.awt.headless=true");
    if (Boolean.getBoolean("bench.noMeters")) {
      options.add("-Dclusterclient.internal.meters=false"); // to measure what the meters cost
    }
    if (jfr) {
      options.add(
          "-XX:StartFlightRecording=filename="
              + logDir.resolve(label + ".jfr")
              + ",settings="
              + java.util.Objects.requireNonNullElse(System.getenv("BENCH_JFC"), "profile")
              + ",dumponexit=true");
    }
    return options;
  }

  static String javaExecutable() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Starts a main class of this module in a JVM of its own, with this JVM's classpath. */
  Child startJava(Class<?> main, boolean jfr, String label, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaExecutable());
    cmd.addAll(jvmOptions(logDir, label, jfr));
    cmd.addAll(extraJvmOptions());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    return Child.start(label, cmd, Map.of(), logDir);
  }

  /** JVM options of this launcher's processes beyond {@link #jvmOptions}. */
  List<String> extraJvmOptions() {
    return List.of();
  }

  /** This library's leader and followers. */
  static final class Ours extends Launcher {
    private final boolean jfr;
    private final List<String> extra;

    Ours(Path logDir, boolean jfr) {
      this(logDir, jfr, List.of());
    }

    private Ours(Path logDir, boolean jfr, List<String> extra) {
      super(Impl.OURS, logDir);
      this.jfr = jfr;
      this.extra = extra;
    }

    /**
     * The same processes, electing over a Unix-domain socket in a run directory of the logs'.
     *
     * @return a launcher of processes with {@code transport=unix}
     */
    Ours overUnixSocket() {
      return new Ours(logDir, jfr, List.of(
          "-Dclusterclient.transport=unix",
          "-Dclusterclient.runDir=" + logDir.toAbsolutePath().resolve("run")));
    }

    @Override
    List<String> extraJvmOptions() {
      return extra;
    }

    private Child start(String label, String... args) {
      return startJava(ClusterWorker.class, jfr, label, args);
    }

    @Override
    Child leader(int port, String name, String label) {
      return start(label, "leader", String.valueOf(port), name);
    }

    @Override
    Child member(int port, String name, String label, String mode) {
      return start(label, mode, String.valueOf(port), name);
    }

    @Override
    boolean pubSub() {
      return true;
    }

    @Override
    boolean failover() {
      return true;
    }
  }

  /** The raw Netty echo server and its clients. */
  static final class Raw extends Launcher {
    private final boolean jfr;

    Raw(Path logDir, boolean jfr) {
      super(Impl.RAW, logDir);
      this.jfr = jfr;
    }

    private Child start(String label, String... args) {
      return startJava(RawWorker.class, jfr, label, args);
    }

    @Override
    Child leader(int port, String name, String label) {
      return start(label, "server", String.valueOf(port));
    }

    @Override
    Child member(int port, String name, String label, String mode) {
      return start(label, mode, String.valueOf(port));
    }

    @Override
    boolean pubSub() {
      return false;
    }

    @Override
    boolean failover() {
      return false;
    }
  }

  /** The original Node.js library, installed by {@link NodeSetup}. */
  static final class Node extends Launcher {
    private final NodeSetup node;

    Node(Path logDir, NodeSetup node) {
      super(Impl.NODE, logDir);
      this.node = node;
    }

    private Child start(String label, String mode, int port, String name) {
      List<String> cmd = new ArrayList<>();
      cmd.add(node.node());
      if (mode.equals("footprint")) {
        cmd.add("--expose-gc");
      }
      cmd.add(node.script().toString());
      cmd.add(mode);
      cmd.add(String.valueOf(port));
      cmd.add(name);
      return Child.start(label, cmd, Map.of(), logDir);
    }

    @Override
    Child leader(int port, String name, String label) {
      return start(label, "leader", port, name);
    }

    @Override
    Child member(int port, String name, String label, String mode) {
      return start(label, mode, port, name);
    }

    @Override
    boolean pubSub() {
      return true;
    }

    @Override
    boolean failover() {
      return true;
    }
  }
}
