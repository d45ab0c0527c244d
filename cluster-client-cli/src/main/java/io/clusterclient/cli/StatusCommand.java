package io.clusterclient.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.clusterclient.ClusterException;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterTransport;
import io.clusterclient.internal.status.StatusClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cluster-client status}: asks the leader on a port for its clients, followers,
 * subscriptions and meters, and prints them as a table (or JSON), once or every few seconds.
 * Not thread-safe: picocli makes one per run.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Asks the leader of a port for its clients, followers, subscriptions and rates.",
      "Over TCP it proves, as a follower does, that it knows the owner's secret in the run directory:"
          + " run it as the cluster's user, with the cluster's run directory."
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:the leader answered",
      "1:it could not be asked (nobody on the port, another program, a Node.js leader, refused)",
      "2:usage error"
    })
final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-p", "--port"},
      description = "The election port (default: CLUSTER_CLIENT_PORT, -Dclusterclient.port, else 7777).")
  Integer port;

  @Option(
      names = "--transport",
      description = "TCP (127.0.0.1:<port>) or UNIX (<run-dir>/<port>.sock); default: as the cluster's"
          + " environment says, else TCP.")
  ClusterTransport transport;

  @Option(
      names = "--run-dir",
      description = "The cluster's run directory, where its secret and Unix sockets are (default: as"
          + " the library's, $XDG_RUNTIME_DIR/cluster-client, else <tmp>/cluster-client-<user>).")
  Path runDir;

  @Option(
      names = "--allow-unauthenticated",
      description = "Offer no proof of the secret: for a cluster that set allowUnauthenticated(true).")
  boolean allowUnauthenticated;

  @Option(names = "--json", description = "Print the report as JSON (one object per line with --watch).")
  boolean json;

  @Option(names = {"-w", "--watch"}, description = "Ask again every --interval, until interrupted.")
  boolean watch;

  @Option(
      names = "--interval",
      defaultValue = "2",
      description = "Seconds between two reports with --watch (default: ${DEFAULT-VALUE}).")
  double intervalSeconds;

  @Option(
      names = "--count",
      description = "With --watch, stop after this many reports (default: never).")
  Integer count;

  @Option(
      names = "--timeout",
      defaultValue = "3000",
      description = "Milliseconds to wait for the leader's answer (default: ${DEFAULT-VALUE}).")
  long timeoutMillis;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (intervalSeconds <= 0 || timeoutMillis <= 0 || (count != null && count < 1)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--interval, --timeout and --count must be positive");
    }
    ClusterOptions options;
    try {
      options = options();
    } catch (ClusterException e) {
      err.println("cluster-client status: " + e.getMessage());
      return 1;
    }
    boolean terminal = !json && System.console() != null;
    StatusView.Sample previous = null;
    int status = 0;
    for (int n = 1; ; n++) {
      try {
        Map<String, Object> report = StatusClient.fetch(options, Duration.ofMillis(timeoutMillis));
        StatusView.Sample sample = new StatusView.Sample(report, System.nanoTime());
        if (json) {
          Map<String, Object> withRates = StatusView.withRates(sample, previous);
          out.println(watch
              ? JSON.writeValueAsString(withRates)
              : JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(withRates));
        } else {
          if (terminal && watch) {
            out.print("\033[H\033[2J"); // a live view: the screen is redrawn, not scrolled
          } else if (n > 1) {
            out.println();
          }
          out.print(StatusView.table(sample, previous));
        }
        out.flush();
        previous = sample;
        status = 0;
      } catch (ClusterException | com.fasterxml.jackson.core.JsonProcessingException e) {
        err.println("cluster-client status: " + e.getMessage());
        err.flush();
        status = 1;
        previous = null; // a new leader may answer next: its rates start afresh
      }
      if (!watch || (count != null && n >= count)) {
        return status;
      }
      Thread.sleep((long) (intervalSeconds * 1000));
    }
  }

  private ClusterOptions options() {
    ClusterOptions.Builder b = ClusterOptions.builder();
    if (port != null) {
      b.port(port);
    }
    if (transport != null) {
      b.transport(transport);
    }
    if (runDir != null) {
      b.runDir(runDir);
    }
    if (allowUnauthenticated) {
      b.allowUnauthenticated(true);
    }
    return b.build();
  }
}
