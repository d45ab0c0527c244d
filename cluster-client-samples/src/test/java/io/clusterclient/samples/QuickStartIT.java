package io.clusterclient.samples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class QuickStartIT {
  @Test
  void threeProcessesAreServedByOneRealClient() throws Exception {
    assertThat(QuickStart.run(new String[0])).isEqualTo(3);
  }
}
