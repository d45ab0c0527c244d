package io.clusterclient.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs real child JVMs ({@link EchoMain}) through {@link ChildJvm} and {@link TestProcess}. */
@Timeout(60)
class TestProcessIT {
  // Generous: two shared cores and JVM start-up; a passing run never waits this long.
  private static final Duration LONG = Duration.ofSeconds(20);
  private static final Duration SHORT = Duration.ofMillis(300);

  private final TestProcesses processes = new TestProcesses();

  @AfterEach
  void closeProcesses() {
    processes.close();
  }

  @Test
  void echoesALineSentAfterReady(TestInfo test) {
    TestProcess echo = startEcho(test);

    assertThat(echo.awaitLine("READY", LONG)).isEqualTo("READY");
    echo.send("hello");

    assertThat(echo.awaitLine("ECHO ", LONG)).isEqualTo("ECHO hello");
    assertThat(echo.lines()).containsExactly("READY", "ECHO hello");
  }

  @Test
  void successiveAwaitsSeeSuccessiveLines(TestInfo test) {
    TestProcess echo = startReadyEcho(test);

    echo.send("one");
    echo.send("two");
    echo.send("three");

    assertThat(echo.awaitLine("ECHO", LONG)).isEqualTo("ECHO one");
    assertThat(echo.awaitLine("ECHO", LONG)).isEqualTo("ECHO two");
    assertThat(echo.awaitLine("ECHO", LONG)).isEqualTo("ECHO three");
  }

  @Test
  void awaitSkipsLinesThatDoNotMatchButKeepsThemInLines(TestInfo test) {
    TestProcess echo = startReadyEcho(test);

    echo.send("a");
    echo.send("b");
    echo.send("c");

    assertThat(echo.awaitLine(line -> line.endsWith("c"), LONG)).isEqualTo("ECHO c");
    assertThatThrownBy(() -> echo.awaitLine("ECHO", SHORT)).isInstanceOf(AssertionError.class);
    assertThat(echo.lines()).containsExactly("READY", "ECHO a", "ECHO b", "ECHO c");
  }

  @Test
  void aFailedAwaitConsumesNoLines(TestInfo test) {
    TestProcess echo = startReadyEcho(test);
    echo.send("x");
    Deadline.await("ECHO x to arrive", LONG, () -> echo.lines().contains("ECHO x"));

    assertThatThrownBy(() -> echo.awaitLine("NEVER", SHORT)).isInstanceOf(AssertionError.class);

    assertThat(echo.awaitLine("ECHO", LONG)).isEqualTo("ECHO x");
  }

  @Test
  void awaitTimeoutNamesTheProcessAndLogFileAndShowsTheLogTail(TestInfo test) {
    TestProcess echo = startReadyEcho(test);
    echo.send("hello");
    echo.awaitLine("ECHO hello", LONG);

    assertThatThrownBy(() -> echo.awaitLine("NEVER", SHORT))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("timed out after 300 ms waiting for a stdout line starting with \"NEVER\"")
        .hasMessageContaining("'" + echo.name() + "' (pid " + echo.pid() + ", still running)")
        .hasMessageContaining("Log file: " + echo.logFile())
        .hasMessageContaining("Last 40 lines of the log:")
        .hasMessageContaining("[out] READY")
        .hasMessageContaining("[in] hello")
        .hasMessageContaining("[out] ECHO hello");
  }

  @Test
  void crashExitsWithItsCodeAndFailsAPendingAwaitWithoutWaitingForTheTimeout(TestInfo test) {
    TestProcess echo = startReadyEcho(test);

    echo.send("crash");

    // 30 s is half the class timeout: returning at all shows the await did not sit out its timeout.
    assertThatThrownBy(() -> echo.awaitLine("NEVER", Duration.ofSeconds(30)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("stdout ended after")
        .hasMessageContaining("exited with code 3")
        .hasMessageContaining("Log file: " + echo.logFile());
    assertThat(echo.awaitExit(LONG)).isEqualTo(3);
    assertThat(echo.isAlive()).isFalse();
  }

  @Test
  void awaitOnAnExitedProcessFailsAtOnce(TestInfo test) {
    TestProcess echo = startReadyEcho(test);
    echo.send("crash");
    assertThat(echo.awaitExit(LONG)).isEqualTo(3);

    assertThatThrownBy(() -> echo.awaitLine("NEVER", Duration.ofSeconds(30)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("exited with code 3");
  }

  @Test
  void awaitLineKeepsTheInterruptFlag(TestInfo test) {
    TestProcess echo = startReadyEcho(test);

    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> echo.awaitLine("NEVER", Duration.ofSeconds(30)))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("interrupted after");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void killMakesTheProcessDeadAndSendFailsNamingTheLogFile(TestInfo test) {
    TestProcess echo = startReadyEcho(test);

    echo.kill();

    assertThat(echo.isAlive()).isFalse();
    assertThat(ProcessHandle.current().children()).noneMatch(child -> child.pid() == echo.pid());
    assertThatThrownBy(() -> echo.send("hello"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(echo.logFile().toString());
  }

  @Test
  void aSuspendedProcessEchoesOnlyAfterResume(TestInfo test) {
    TestProcess echo = startReadyEcho(test);

    echo.suspend();
    echo.send("while stopped");

    assertThatThrownBy(() -> echo.awaitLine("ECHO while stopped", SHORT))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("suspended");
    echo.resume();
    assertThat(echo.awaitLine("ECHO while stopped", LONG)).isEqualTo("ECHO while stopped");
  }

  @Test
  void closeAsksForACleanExitIsIdempotentAndLeavesNoLiveProcess(TestInfo test) {
    TestProcess echo = startReadyEcho(test);

    echo.close();
    echo.close();

    assertThat(echo.isAlive()).isFalse();
    assertThat(ProcessHandle.current().children()).noneMatch(child -> child.pid() == echo.pid());
    assertThat(echo.awaitExit(SHORT)).isZero();
    assertThat(echo.lines()).endsWith("BYE");
  }

  @Test
  void closeResumesASuspendedProcessSoItCanExitCleanly(TestInfo test) {
    TestProcess echo = startReadyEcho(test);
    echo.suspend();

    echo.close();

    assertThat(echo.awaitExit(SHORT)).isZero();
    assertThat(echo.lines()).endsWith("BYE");
  }

  @Test
  void closeEscalatesToSigkillWhenTheProcessIgnoresExitAndSigterm(TestInfo test) throws IOException {
    TestProcess echo = startReadyEcho(test);
    echo.send("hang");
    echo.awaitLine("HANGING", LONG);

    echo.close();

    assertThat(echo.isAlive()).isFalse();
    // 128 + SIGKILL(9): neither "exit" nor SIGTERM ended it.
    assertThat(echo.awaitExit(SHORT)).isEqualTo(137);
    assertThat(Files.readString(echo.logFile(), UTF_8))
        .contains("sending SIGTERM")
        .contains("sending SIGKILL");
  }

  @Test
  void logFileHoldsStdoutAndStderrLines(TestInfo test) throws IOException {
    TestProcess echo = startReadyEcho(test);

    echo.send("err");
    Deadline.await(
        "an [err] line in " + echo.logFile(), LONG, () -> echo.logTail(100).contains("[err] ERR err"));
    echo.close();

    assertThat(echo.logFile().getFileName().toString()).isEqualTo(echo.name() + "-" + echo.pid() + ".log");
    assertThat(Files.readAllLines(echo.logFile(), UTF_8))
        .contains("[out] READY", "[in] err", "[err] ERR err", "[out] BYE");
  }

  @Test
  void childGetsArgumentsSystemPropertiesEnvironmentAndTheLeakDetectionLevel(TestInfo test) {
    TestProcess echo =
        processes.add(
            ChildJvm.builder(EchoMain.class)
                .name(test.getTestMethod().orElseThrow().getName())
                .args("a", "b c")
                .systemProperty("cc.fixture.key", "v1")
                .env("CC_FIXTURE_ENV", "e1")
                .start());
    echo.awaitLine("READY", LONG);

    echo.send("args");
    echo.send("prop cc.fixture.key");
    echo.send("env CC_FIXTURE_ENV");
    echo.send("prop io.netty.leakDetection.level");

    assertThat(echo.awaitLine("ARGS", LONG)).isEqualTo("ARGS a|b c");
    assertThat(echo.awaitLine("PROP", LONG)).isEqualTo("PROP cc.fixture.key=v1");
    assertThat(echo.awaitLine("ENV", LONG)).isEqualTo("ENV CC_FIXTURE_ENV=e1");
    // Failsafe (like Surefire) sets it to paranoid; from an IDE it may be unset, and then the child must
    // not invent one.
    assertThat(echo.awaitLine("PROP", LONG))
        .isEqualTo("PROP io.netty.leakDetection.level=" + System.getProperty("io.netty.leakDetection.level"));
  }

  @Test
  void childStartsFromAManifestOnlyClasspathJar(TestInfo test, @TempDir Path dir) throws IOException {
    // Failsafe or Surefire may hand the test JVM only such a jar; build one to show -cp follows its
    // Class-Path.
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(entry -> Paths.get(entry).toAbsolutePath().toUri().toString())
            .collect(Collectors.joining(" "));
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
    Path jar = dir.resolve("manifest-only.jar");
    try (OutputStream out = Files.newOutputStream(jar)) {
      new JarOutputStream(out, manifest).close();
    }

    TestProcess echo =
        processes.add(
            ChildJvm.builder(EchoMain.class)
                .name(test.getTestMethod().orElseThrow().getName())
                .classpath(jar.toString())
                .start());

    assertThat(echo.awaitLine("READY", LONG)).isEqualTo("READY");
  }

  private TestProcess startEcho(TestInfo test) {
    return processes.add(
        ChildJvm.builder(EchoMain.class).name(test.getTestMethod().orElseThrow().getName()).start());
  }

  private TestProcess startReadyEcho(TestInfo test) {
    TestProcess echo = startEcho(test);
    echo.awaitLine("READY", LONG);
    return echo;
  }

  @Test
  void closeFailsWhenNettyReportedALeakedBufferInTheChild() {
    TestProcess leaky = ChildJvm.builder(LeakyMain.class).name("leaky").start();
    leaky.awaitLine("DONE", java.time.Duration.ofSeconds(60));
    assertThat(leaky.awaitExit(java.time.Duration.ofSeconds(60))).isZero();
    org.assertj.core.api.Assertions.assertThatThrownBy(leaky::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("leaked buffer");
  }
}
