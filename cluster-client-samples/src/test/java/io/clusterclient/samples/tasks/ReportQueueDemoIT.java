package io.clusterclient.samples.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(180)
class ReportQueueDemoIT {
  @Test
  void everyReportIsRenderedThoughAWorkerIsKilled() throws Exception {
    String result = ReportQueueDemo.run();
    assertThat(result).startsWith("RESULT: 30 of 30 reports rendered");
    assertThat(ProcessHandle.current().children()).as("workers left behind").isEmpty();
  }
}
