package io.clusterclient.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class MultiWorkerDemoIT {
  @Test
  void theWorkersKeepOneSessionAndTheirRegistrationsWhenTheLeaderIsKilled() throws Exception {
    MultiWorkerDemo.Summary summary = MultiWorkerDemo.run("--quick");

    assertThat(summary.problems()).isEmpty();
    assertThat(summary.recovered()).isTrue();
    assertThat(summary.survivors()).hasSize(2).doesNotContain(summary.killedLeader());
    assertThat(summary.newLeader()).isIn(summary.survivors());
    assertThat(summary.registered()).isEqualTo(summary.survivors());
    assertThat(summary.zkSessions()).isEqualTo(1);
    assertThat(summary.electionMillis()).isBetween(0L, summary.recoveryMillis());
    assertThat(summary.requestsServed()).isPositive();
    assertThat(ProcessHandle.current().children()).as("workers left behind").isEmpty();
  }

  @Test
  void optionsGivenAsOneExecArgumentAreSplit() {
    MultiWorkerDemo.Settings s = MultiWorkerDemo.Settings.parse("--quick --workers 5", "");
    assertThat(s.workers()).isEqualTo(5);
    assertThat(s.killAfter()).hasSeconds(2);
    assertThatThrownBy(() -> MultiWorkerDemo.Settings.parse("--workers 1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MultiWorkerDemo.Settings.parse("--nope"))
        .hasMessageContaining("usage");
  }
}
