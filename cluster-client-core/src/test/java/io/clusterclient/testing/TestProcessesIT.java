package io.clusterclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TestProcessesIT {

  @Test
  void closesEveryProcessAndIsIdempotent() {
    TestProcesses processes = new TestProcesses();
    TestProcess first = processes.add(ChildJvm.builder(EchoMain.class).name("first").start());
    TestProcess second = processes.add(ChildJvm.builder(EchoMain.class).name("second").start());
    first.awaitLine("READY", Duration.ofSeconds(20));
    second.awaitLine("READY", Duration.ofSeconds(20));
    assertThat(processes.processes()).containsExactly(first, second);

    processes.close();
    processes.close();

    assertThat(first.isAlive()).isFalse();
    assertThat(second.isAlive()).isFalse();
    assertThat(processes.processes()).isEmpty();
  }

  @Test
  void closesEveryMemberEvenWhenSomeFailAndReportsTheFirstAssertionErrorWithTheRestSuppressed() {
    TestProcesses processes = new TestProcesses();
    List<String> closed = new CopyOnWriteArrayList<>();
    IllegalStateException illegalState = new IllegalStateException("first, but not an AssertionError");
    AssertionError firstAssertion = new AssertionError("second");
    AssertionError secondAssertion = new AssertionError("fourth");
    processes.addCloseable(() -> {
      closed.add("first");
      throw illegalState;
    });
    processes.addCloseable(() -> {
      closed.add("second");
      throw firstAssertion;
    });
    processes.addCloseable(() -> closed.add("third"));
    processes.addCloseable(() -> {
      closed.add("fourth");
      throw secondAssertion;
    });

    assertThatThrownBy(processes::close)
        .isSameAs(firstAssertion)
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(illegalState, secondAssertion));
    assertThat(closed).containsExactlyInAnyOrder("first", "second", "third", "fourth");
  }

  @Test
  void wrapsTheFirstFailureWhenNoneIsAnAssertionError() {
    TestProcesses processes = new TestProcesses();
    IllegalStateException failure = new IllegalStateException("boom");
    processes.addCloseable(() -> {
      throw failure;
    });

    assertThatThrownBy(processes::close).isInstanceOf(AssertionError.class).hasCause(failure);
  }

  @Test
  void addingToAClosedGroupClosesTheNewMemberAndFails() {
    TestProcesses processes = new TestProcesses();
    processes.close();
    List<String> closed = new CopyOnWriteArrayList<>();

    assertThatThrownBy(() -> processes.addCloseable(() -> closed.add("late")))
        .isInstanceOf(IllegalStateException.class);
    assertThat(closed).containsExactly("late");
  }
}
