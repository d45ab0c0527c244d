package io.clusterclient.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class MultiWorkerDemoIT {
  @Test
  void theWorkersKeepOneSessionAndTheirRegistrationsWhenTheLeaderIsKilled() throws Exception {
    PrintStream console = System.out;
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    MultiWorkerDemo.Summary summary;
    System.setOut(new PrintStream(new TeeStream(console, seen), true, StandardCharsets.UTF_8));
    try {
      summary = MultiWorkerDemo.run("--quick");
    } finally {
      System.setOut(console);
    }
    String output = seen.toString(StandardCharsets.UTF_8);
    String shutdown = output.substring(output.indexOf("RESULT: RECOVERED"));
    assertThat(shutdown)
        .as("the clean shutdown after the result says it shuts down, never that a leader was lost")
        .doesNotContain("lost ")
        .doesNotContain("electing")
        .doesNotContain("WARN")
        .contains("stopped 3 workers");

    assertThat(summary.problems()).isEmpty();
    assertThat(summary.recovered()).isTrue();
    // The launcher started the killed worker again: it is back, under its number, as a follower.
    assertThat(summary.survivors()).containsExactly("worker-1", "worker-2", "worker-3")
        .contains(summary.killedLeader());
    assertThat(summary.newLeader()).isIn(summary.survivors()).isNotEqualTo(summary.killedLeader());
    assertThat(summary.registered()).isEqualTo(summary.survivors());
    assertThat(summary.zkSessions()).isEqualTo(1);
    assertThat(summary.electionMillis()).isBetween(0L, summary.recoveryMillis());
    assertThat(summary.requestsServed()).isPositive();
    assertThat(ProcessHandle.current().children()).as("workers left behind").isEmpty();
  }

  /** Writes to two streams: the console and a copy the test reads. */
  private static final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int x) throws IOException {
      a.write(x);
      b.write(x);
    }

    @Override
    public synchronized void write(byte[] bytes, int off, int len) throws IOException {
      a.write(bytes, off, len);
      b.write(bytes, off, len);
    }

    @Override
    public synchronized void flush() throws IOException {
      a.flush();
      b.flush();
    }
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
