package io.clusterclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rendering and the rates of a report, without a cluster; the command's usage errors. */
@Timeout(10)
class StatusViewTest {
  private static Map<String, Object> report(long now, long served, long bytesIn) {
    return Map.of(
        "version", 1, "pid", 42, "address", "127.0.0.1:7777", "transport", "TCP", "now", now,
        "clients", List.of(Map.of(
            "name", "echo", "since", 90_000L, "followerCount", 1,
            "followers", List.of(Map.of("pid", 43, "address", "/127.0.0.1:5000", "connectedSince", now - 9_000,
                "callsInFlight", 2, "subscriptions", 1, "lastHeard", now - 3_000)),
            "subscriptionCount", 0, "subscriptions", List.of(), "rememberedPublishes", 0,
            "metrics", Map.of("callsServed", served, "bytesIn", bytesIn, "inFlight", 0, "queued", 0,
                "latency", Map.of("Echo.echo(String)",
                    Map.of("count", 5, "p50Micros", 120, "p99Micros", 2500, "maxMicros", 3_000_000))))));
  }

  @Test
  void ratesRunSinceTheLeaderStartedThenSinceThePreviousReportOfTheSameLeader() {
    StatusView.Sample first = new StatusView.Sample(report(100_000, 100, 2048), 0);
    String once = StatusView.table(first, null);
    assertThat(once)
        .contains("leader: pid 42")
        .contains("client 'echo': led since ").contains("(up 10s); rates since then")
        .containsPattern("follower calls served +100 +10\\.0/s")
        .containsPattern("bytes in +2\\.0 KiB +205 B/s")
        .containsPattern("(?m)^ +43 +/127\\.0\\.0\\.1:5000 +\\S+ +2 +1 +3s ago$")
        .containsPattern("Echo\\.echo\\(String\\) +5 +120 us +2\\.5 ms +3\\.00 s");

    StatusView.Sample second = new StatusView.Sample(report(102_000, 150, 2048), 2_000_000_000L);
    assertThat(StatusView.table(second, first))
        .contains("rates over the last 2s")
        .containsPattern("follower calls served +150 +25\\.0/s");
    @SuppressWarnings("unchecked")
    Map<String, Object> rates = (Map<String, Object>) ((Map<String, Object>)
        ((List<Object>) StatusView.withRates(second, first).get("clients")).get(0)).get("rates");
    assertThat(rates).containsEntry("callsServedPerSecond", 25.0).containsEntry("windowMillis", 2000L)
        .containsEntry("window", "since the previous report");
  }

  @Test
  void aBadOptionIsAUsageErrorAndNobodyOnThePortIsAnError() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertThat(ClusterClientCli.execute(new String[] {"status", "--port", "x"},
        new PrintWriter(out, true), new PrintWriter(err, true))).isEqualTo(2);
    assertThat(err.toString()).contains("--port");
    assertThat(ClusterClientCli.execute(new String[] {"status", "--interval", "0"},
        new PrintWriter(out, true), new PrintWriter(err, true))).isEqualTo(2);
  }

  @Test
  void controlCharactersFromPeersAreShownEscapedNotSentToTheTerminal() {
    assertThat(StatusView.printable("key\u001b]0;pwned\u0007 and \u009b2J\nnext line"))
        .isEqualTo("key\\u001b]0;pwned\\u0007 and \\u009b2J\nnext line");
  }
}
