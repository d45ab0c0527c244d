package io.clusterclient.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MinimalTest {
  @Test
  void theMinimalSampleGreetsThroughItsRealClient() throws Exception {
    int port;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    System.setProperty("clusterclient.port", String.valueOf(port));
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Minimal.main(new String[0]);
    } finally {
      System.setOut(original);
      System.clearProperty("clusterclient.port");
    }
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("hello world from pid " + ProcessHandle.current().pid());
  }
}
