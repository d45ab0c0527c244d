package io.clusterclient.it;

import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Waits for lines a process prints on its own (pushed values), wherever they fall among the answers to
 * commands: a command's await moves past lines it does not match, so pushes are looked for in all
 * lines seen so far.
 */
final class Lines {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private Lines() {}

  static void awaitSeen(TestProcess p, String line) {
    awaitSeen(p, line, line::equals);
  }

  static void awaitSeen(TestProcess p, String what, Predicate<String> match) {
    Deadline.await(
        "'" + what + "' from " + p + " (last lines: " + p.logTail(10) + ")",
        WAIT,
        () -> p.lines().stream().anyMatch(match));
  }

  /** The lines, each seen, appear in this order. */
  static void awaitSeenInOrder(TestProcess p, String... expected) {
    for (String line : expected) {
      awaitSeen(p, line);
    }
    List<String> lines = p.lines();
    int last = -1;
    for (String line : expected) {
      int at = lines.indexOf(line);
      if (at < last) {
        throw new AssertionError(line + " came before the lines expected earlier, in " + p);
      }
      last = at;
    }
  }
}
