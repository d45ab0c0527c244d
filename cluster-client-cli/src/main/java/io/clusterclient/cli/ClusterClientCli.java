package io.clusterclient.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cluster-client} command an operator runs on the host:
 *
 * <pre>
 * java -jar cluster-client-cli-all.jar status --port 7777
 * java -jar cluster-client-cli-all.jar status --port 7777 --json
 * java -jar cluster-client-cli-all.jar status --transport unix --run-dir /run/user/1000/cluster-client --watch
 * </pre>
 *
 * <p>Exit status: 0 when the leader answered, 1 when it could not be asked (the message says why
 * and what to do), 2 for a usage error. Thread-safe: stateless.
 */
@Command(
    name = "cluster-client",
    mixinStandardHelpOptions = true,
    versionProvider = ClusterClientCli.Version.class,
    description = "Looks at the cluster-client clusters of this host.",
    subcommands = {StatusCommand.class, CommandLine.HelpCommand.class})
public final class ClusterClientCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Creates the top command; picocli runs it. */
  public ClusterClientCli() {}

  /**
   * Runs the command and exits with its status.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    // The library's own log lines: warnings only, on stderr, one line each.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty(
        "org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /**
   * Runs the command with the given streams.
   *
   * @param args the command line
   * @param out where results go
   * @param err where errors and usage go
   * @return the exit status
   */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new ClusterClientCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version of the jar, from its manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = ClusterClientCli.class.getPackage().getImplementationVersion();
      return new String[] {"cluster-client " + (v == null ? "(development build)" : v)};
    }
  }
}
