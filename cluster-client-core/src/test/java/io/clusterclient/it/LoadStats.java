package io.clusterclient.it;

import static io.clusterclient.it.SharedSubscriptionIT.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.TestProcess;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the numbers of a {@link RegistryChild}'s background load, from its {@code stats} command. */
final class LoadStats {
  static final int OK = 0;
  static final int IDEMPOTENT_FAILED = 1;
  static final int OTHER_FAILED = 2;
  static final int RETRIED = 3;
  static final int ELECTIONS = 4;
  static final int MAX_WAIT_MS = 5;

  private static final Pattern STATS =
      Pattern.compile("OK ok=(\\d+) idempotentFailed=(\\d+) otherFailed=(\\d+) retried=(\\d+) elections=(\\d+) maxWaitMs=(\\d+) errors=(.*)");

  private LoadStats() {}

  /**
   * @param p a registry child running the load
   * @return ok, idempotent failed, other failed, retried, elections, worst wait (ms): see the constants
   */
  static long[] of(TestProcess p) {
    String line = command(p, "stats");
    Matcher m = STATS.matcher(line);
    assertThat(m.matches()).as(line).isTrue();
    long[] out = new long[6];
    for (int i = 0; i < 6; i++) {
      out[i] = Long.parseLong(m.group(i + 1));
    }
    return out;
  }

  /** @return the errors the load saw, by exception class, as the child prints them */
  static String errorsOf(TestProcess p) {
    return command(p, "stats").replaceAll(".*errors=", "");
  }
}
