package io.clusterclient.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The launcher with real worker JVMs: restart, crash loop, graceful stop, stragglers, SIGTERM. */
@Timeout(120)
class ClusterLauncherIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final List<String> out = new CopyOnWriteArrayList<>();
  private final List<String> err = new CopyOnWriteArrayList<>();
  private final TestProcesses processes = new TestProcesses();
  private ClusterLauncher.Launched launched;

  @AfterEach
  void cleanUp() {
    if (launched != null) {
      launched.stop();
    }
    processes.close();
  }

  private ClusterLauncher launcher(String mode, int workers) {
    return ClusterLauncher.of(LaunchedWorker.class).workers(workers).args(mode)
        .jvmOptions("-Xmx64m", "-XX:TieredStopAtLevel=1")
        .output(out::add, err::add).stopOnShutdown(false);
  }

  private long readyPid(int id, long notPid) {
    String prefix = "[worker-" + id + "] READY " + id + " ";
    await().atMost(WAIT).until(() -> out.stream().anyMatch(l -> l.startsWith(prefix)
        && Long.parseLong(l.substring(prefix.length())) != notPid));
    return out.stream().filter(l -> l.startsWith(prefix)).mapToLong(l -> Long.parseLong(l.substring(prefix.length())))
        .filter(p -> p != notPid).findFirst().orElseThrow();
  }

  @Test
  void aKilledWorkerIsStartedAgainWithItsNumberAndItsOutputPrefixed() {
    launched = launcher("serve", 2).restartBackoff(Duration.ofMillis(10), Duration.ofSeconds(1)).start();
    long first = readyPid(1, -1);
    readyPid(2, -1);
    assertThat(launched.workers()).extracting(ClusterLauncher.Worker::alive).containsExactly(true, true);

    launched.kill(1);
    long second = readyPid(1, first);
    assertThat(second).isNotEqualTo(first);
    assertThat(launched.workers().get(0).restarts()).isEqualTo(1);
    assertThat(launched.workers().get(0).pid()).isEqualTo(second);
    assertThat(err).anyMatch(l -> l.startsWith("[launcher] worker-1 (pid " + first + ") exited with code"));

    launched.stop();
    assertThat(launched.exit().join()).isZero();
    assertThat(out).contains("[worker-1] STOPPING 1", "[worker-2] STOPPING 2");
    assertThat(launched.workers()).noneMatch(ClusterLauncher.Worker::alive);
  }

  @Test
  void aRestartedWorkerStopsGracefullyAndComesBackAtOnceAndAStoppedOneStaysDown() {
    launched = launcher("serve", 2).restartBackoff(Duration.ofSeconds(5), Duration.ofSeconds(5)).start();
    long first = readyPid(1, -1);
    long other = readyPid(2, -1);

    launched.restart(1); // graceful, and no backoff: 5 s would fail the wait below
    await().atMost(WAIT).until(() -> out.contains("[worker-1] STOPPING 1")); // its last lines may lag
    long second = readyPid(1, first);
    assertThat(second).isNotEqualTo(first);
    assertThat(launched.workers().get(0).restarts()).isEqualTo(1);

    launched.stopWorker(2);
    await().atMost(WAIT).until(() -> out.contains("[worker-2] STOPPING 2"));
    assertThat(ProcessHandle.of(other)).isEmpty();
    assertThat(launched.workers().get(1).alive()).isFalse();
    assertThat(launched.exit()).isNotDone(); // worker 1 still runs
    launched.stopWorker(1);
    assertThat(launched.exit().join()).isZero(); // the last one stopped: the launcher ends
    assertThat(out).noneMatch(l -> l.startsWith("[worker-2] READY 2 ") && !l.endsWith(" " + other));
  }

  @Test
  void aRestartOfAWorkerThatWaitsOutItsBackoffStartsItNow() {
    launched = launcher("serve", 1).restartBackoff(Duration.ofMinutes(10), Duration.ofMinutes(10)).start();
    long first = readyPid(1, -1);
    launched.kill(1);
    await().atMost(WAIT).until(() -> err.stream().anyMatch(l -> l.contains("starting it again in 600000 ms")));
    launched.restart(1); // without it, ten minutes
    readyPid(1, first);
  }

  @Test
  void aCrashLoopStopsTheLauncherWithExitCodeOneAndSaysWhy() throws Exception {
    launched = launcher("crash", 2).restartBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
        .crashLoop(3, Duration.ofSeconds(60)).start();
    assertThat(launched.exit().get(60, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(err).anyMatch(l -> l.contains("crash loop: worker-") && l.contains("exited 4 times within 60 s")
        && l.contains("last exit code 3"));
    assertThat(err).anyMatch(l -> l.startsWith("[worker-") && l.contains("] CRASH "));
    assertThat(launched.workers()).noneMatch(ClusterLauncher.Worker::alive);
  }

  @Test
  void aWorkerThatDoesNotStopIsKilledAfterTheStopTimeout() {
    launched = launcher("stubborn", 1).stopTimeout(Duration.ofMillis(500)).start();
    readyPid(1, -1);
    launched.stop();
    assertThat(launched.exit().join()).isZero();
    assertThat(out).contains("[worker-1] STOPPING 1");
    assertThat(err).anyMatch(l -> l.contains("worker-1") && l.contains("still runs 500 ms after SIGTERM: killing it"));
    assertThat(launched.workers()).noneMatch(ClusterLauncher.Worker::alive);
  }

  @Test
  void sigtermToTheLauncherStopsTheWorkersGracefully() throws Exception {
    TestProcess launcher = processes.add(ChildJvm.builder(LauncherMain.class).name("launcher").start());
    // The workers start concurrently, so their READY lines come in either order: look in all lines,
    // not after a cursor.
    String one = readyLine(launcher, 1);
    String two = readyLine(launcher, 2);
    ProcessHandle w1 = ProcessHandle.of(Long.parseLong(one.substring(one.lastIndexOf(' ') + 1))).orElseThrow();
    ProcessHandle w2 = ProcessHandle.of(Long.parseLong(two.substring(two.lastIndexOf(' ') + 1))).orElseThrow();

    launcher.terminate();
    assertThat(launcher.awaitExit(WAIT)).isEqualTo(143); // 128 + SIGTERM, as for any JVM it ends
    assertThat(launcher.lines()).contains("[worker-1] STOPPING 1", "[worker-2] STOPPING 2")
        .anyMatch(l -> l.startsWith("[launcher] stopped 2 running workers"));
    w1.onExit().get(60, TimeUnit.SECONDS);
    w2.onExit().get(60, TimeUnit.SECONDS);
  }

  private static String readyLine(TestProcess launcher, int id) {
    String prefix = "[worker-" + id + "] READY " + id + " ";
    return await("worker-" + id + "'s READY line").atMost(WAIT).until(
        () -> launcher.lines().stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null),
        line -> line != null);
  }
}
