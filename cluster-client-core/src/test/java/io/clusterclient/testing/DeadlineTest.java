package io.clusterclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DeadlineTest {

  @Test
  void returnsOnceTheConditionHolds() {
    AtomicInteger calls = new AtomicInteger();

    Deadline.await("the third call", Duration.ofSeconds(10), () -> calls.incrementAndGet() >= 3);

    assertThat(calls).hasValue(3);
  }

  @Test
  void evaluatesTheConditionOnceEvenWithAZeroTimeout() {
    Deadline.await("a true condition", Duration.ZERO, () -> true);
  }

  @Test
  void failsNamingWhatItWaitedForAndHowLong() {
    assertThatThrownBy(() -> Deadline.await("the moon to turn blue", Duration.ofMillis(50), () -> false))
        .isInstanceOf(AssertionError.class)
        .hasMessage("timed out after 50 ms waiting for the moon to turn blue");
  }

  @Test
  void failsAtOnceWhenInterruptedAndKeepsTheFlag() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> Deadline.await("never", Duration.ofSeconds(30), () -> false))
          .isInstanceOf(AssertionError.class)
          .hasMessage("interrupted while waiting for never");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void describesDurationsForPeople() {
    assertThat(Deadline.describe(Duration.ofMillis(300))).isEqualTo("300 ms");
    assertThat(Deadline.describe(Duration.ofSeconds(5))).isEqualTo("5 s");
    assertThat(Deadline.describe(Duration.ofMillis(1500))).isEqualTo("1.5 s");
  }
}
