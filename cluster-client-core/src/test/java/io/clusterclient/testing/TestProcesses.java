package io.clusterclient.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A group of test processes (and other resources) closed together, typically a JUnit field closed in
 * {@code @AfterEach}:
 *
 * <pre>{@code
 * private final TestProcesses processes = new TestProcesses();
 *
 * @AfterEach
 * void closeProcesses() {
 *   processes.close();
 * }
 *
 * @Test
 * void followerSeesTheLeader() {
 *   TestProcess leader = processes.add(ChildJvm.builder(LeaderMain.class).start());
 *   ...
 * }
 * }</pre>
 *
 * <p>{@link #close()} closes every member at the same time, one short-lived thread each, because a
 * member that ignores its polite exit costs seconds and several of them should not add up. Members must
 * therefore be safe to close from another thread, as {@link TestProcess} is.
 *
 * <p>Thread-safe: members may be added from any thread; a concurrent second {@code close()} returns once
 * the first has finished.
 */
public final class TestProcesses implements AutoCloseable {
  private final Object lock = new Object();
  private final List<AutoCloseable> members = new ArrayList<>(); // guarded by lock
  private boolean closed; // guarded by lock
  private final Object closeLock = new Object();

  /**
   * Adds a process to close with the group.
   *
   * @return {@code process}, for use in an assignment
   * @throws IllegalStateException if the group is closed; the process is closed first so it cannot leak
   */
  public TestProcess add(TestProcess process) {
    return addCloseable(process);
  }

  /**
   * Adds any resource to close with the group, such as a socket a test opened next to its processes.
   *
   * @return {@code resource}, for use in an assignment
   * @throws IllegalStateException if the group is closed; the resource is closed first so it cannot leak
   */
  public <T extends AutoCloseable> T addCloseable(T resource) {
    Objects.requireNonNull(resource, "resource");
    synchronized (lock) {
      if (!closed) {
        members.add(resource);
        return resource;
      }
    }
    IllegalStateException failure =
        new IllegalStateException("the group is closed; closed " + resource + " instead of adding it");
    try {
      resource.close();
    } catch (Exception | AssertionError e) {
      failure.addSuppressed(e);
    }
    throw failure;
  }

  /** Returns the processes added so far and not yet closed, in the order they were added. */
  public List<TestProcess> processes() {
    List<TestProcess> processes = new ArrayList<>();
    synchronized (lock) {
      for (AutoCloseable member : members) {
        if (member instanceof TestProcess) {
          processes.add((TestProcess) member);
        }
      }
    }
    return List.copyOf(processes);
  }

  /**
   * Closes every member concurrently and waits for all of them. Idempotent. If the waiting thread is
   * interrupted it still waits, so no member outlives the call, and the interrupt flag stays set.
   *
   * @throws AssertionError if any member failed to close: the first {@code AssertionError} in the order
   *     members were added (or one wrapping the first other failure), with every other failure attached
   *     as suppressed
   */
  @Override
  public void close() {
    synchronized (closeLock) {
      List<AutoCloseable> toClose;
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
        toClose = List.copyOf(members);
        members.clear();
      }
      Throwable[] failures = new Throwable[toClose.size()];
      List<Thread> closers = new ArrayList<>();
      for (int i = 0; i < toClose.size(); i++) {
        int index = i;
        AutoCloseable member = toClose.get(i);
        Thread closer =
            new Thread(
                () -> {
                  try {
                    member.close();
                  } catch (Throwable t) {
                    failures[index] = t;
                  }
                },
                "test-processes-close-" + i);
        // Each member's close is bounded; a member that still hangs must not keep the test JVM alive.
        closer.setDaemon(true);
        closer.start();
        closers.add(closer);
      }
      boolean interrupted = false;
      for (Thread closer : closers) {
        while (closer.isAlive()) {
          try {
            closer.join();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      // join() makes the closers' writes to failures visible here.
      throwIfAnyFailed(toClose, failures);
    }
  }

  private static void throwIfAnyFailed(List<AutoCloseable> members, Throwable[] failures) {
    AssertionError primary = null;
    for (Throwable failure : failures) {
      if (failure instanceof AssertionError) {
        primary = (AssertionError) failure;
        break;
      }
    }
    for (int i = 0; i < failures.length; i++) {
      Throwable failure = failures[i];
      if (failure == null || failure == primary) {
        continue;
      }
      if (primary == null) {
        primary = new AssertionError("failed to close " + members.get(i), failure);
      } else {
        primary.addSuppressed(failure);
      }
    }
    if (primary != null) {
      throw primary;
    }
  }
}
