package io.clusterclient.testing;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Starts a main class of the current test classpath in a new JVM, as a {@link TestProcess}.
 *
 * <pre>{@code
 * TestProcess leader = processes.add(
 *     ChildJvm.builder(EchoMain.class).name("leader").systemProperty("cc.port", "0").start());
 * }</pre>
 *
 * <p>The child gets the parent's {@code java.class.path}. Under Failsafe or Surefire that may be a
 * single manifest-only "surefirebooter" jar; {@code -cp} follows its {@code Class-Path} entries, so that
 * works too. Under Failsafe the module's own classes come from its packaged jar, which the children
 * load the same way. The default JVM options keep children small and quick to start ({@code -Xmx128m
 * -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto}), headless, and writing UTF-8 so the fixture
 * reads their output as it was meant.
 * The parent's {@code io.netty.leakDetection.level}, if set, is passed on so children check leaks as
 * strictly as the test JVM.
 *
 * <p>Thread-safe: it has no state. {@link Builder} is not thread-safe.
 */
public final class ChildJvm {
  private static final List<String> DEFAULT_JVM_ARGS =
      List.of(
          "-Xmx128m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Xshare:auto",
          "-Djava.awt.headless=true",
          // TestProcess decodes UTF-8; without these a child on a C/POSIX locale writes ASCII with '?'.
          "-Dfile.encoding=UTF-8",
          "-Dsun.stdout.encoding=UTF-8",
          "-Dsun.stderr.encoding=UTF-8");
  private static final String LEAK_DETECTION_LEVEL = "io.netty.leakDetection.level";

  private ChildJvm() {}

  /**
   * Returns a builder for a child JVM that runs {@code mainClass}.
   *
   * @param mainClass a class with a {@code public static void main(String[])} on the test classpath
   */
  public static Builder builder(Class<?> mainClass) {
    return new Builder(mainClass);
  }

  /**
   * Collects the options for one child JVM. Not thread-safe; {@link #start()} copies what it needs, so a
   * builder can start several children.
   */
  public static final class Builder {
    private final Class<?> mainClass;
    private String name;
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> systemProperties = new LinkedHashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private Path logDir = Paths.get("target", "child-logs").toAbsolutePath();
    private String classpath = System.getProperty("java.class.path");

    private Builder(Class<?> mainClass) {
      this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
      this.name = mainClass.getSimpleName();
    }

    /** Sets the label for messages, thread names and the log file name; default: the simple class name. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Appends program arguments passed to {@code main}. */
    public Builder args(String... args) {
      Collections.addAll(this.args, args);
      return this;
    }

    /** Adds {@code -Dkey=value}; it comes after the defaults, so it overrides them. */
    public Builder systemProperty(String key, String value) {
      systemProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Adds {@code -Dkey=value} for each pair, as {@link #systemProperty} does.
     *
     * @param keysAndValues key, value, key, value...
     * @throws IllegalArgumentException if a key has no value
     */
    public Builder systemProperties(String... keysAndValues) {
      if (keysAndValues.length % 2 != 0) {
        throw new IllegalArgumentException(
            "systemProperties takes key, value pairs; got an odd count: " + keysAndValues.length);
      }
      for (int i = 0; i < keysAndValues.length; i += 2) {
        systemProperty(keysAndValues[i], keysAndValues[i + 1]);
      }
      return this;
    }

    /** Adds an environment variable to the inherited environment; a {@code null} value removes it. */
    public Builder env(String key, String value) {
      env.put(Objects.requireNonNull(key, "key"), value);
      return this;
    }

    /** Appends a JVM option; it comes after the defaults, so for example {@code -Xmx256m} wins. */
    public Builder jvmArg(String jvmArg) {
      jvmArgs.add(Objects.requireNonNull(jvmArg, "jvmArg"));
      return this;
    }

    /** Sets the log file's directory; default: {@code target/child-logs} under the working directory. */
    public Builder logDir(Path logDir) {
      this.logDir = Objects.requireNonNull(logDir, "logDir").toAbsolutePath();
      return this;
    }

    /** Replaces the classpath; default: the parent's {@code java.class.path}. */
    public Builder classpath(String classpath) {
      this.classpath = Objects.requireNonNull(classpath, "classpath");
      return this;
    }

    /** Returns the command {@link #start()} would run. */
    public List<String> command() {
      List<String> command = new ArrayList<>();
      command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(DEFAULT_JVM_ARGS);
      String leakDetectionLevel = System.getProperty(LEAK_DETECTION_LEVEL);
      if (leakDetectionLevel != null) {
        command.add("-D" + LEAK_DETECTION_LEVEL + "=" + leakDetectionLevel);
      }
      command.addAll(jvmArgs);
      systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
      command.add("-cp");
      command.add(classpath);
      command.add(mainClass.getName());
      command.addAll(args);
      return List.copyOf(command);
    }

    /**
     * Starts the child JVM.
     *
     * @return the running child; close it (or add it to a {@link TestProcesses}) when done
     * @throws java.io.UncheckedIOException if the JVM or its log file cannot be created
     */
    public TestProcess start() {
      return TestProcess.start(name, command(), new LinkedHashMap<>(env), logDir);
    }
  }
}
