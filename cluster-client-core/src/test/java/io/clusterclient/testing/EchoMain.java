package io.clusterclient.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.concurrent.CountDownLatch;

/**
 * A child main for fixture tests. Prints {@code READY}, then reads stdin line by line:
 *
 * <ul>
 *   <li>{@code exit}: prints {@code BYE} and exits with 0;
 *   <li>{@code crash}: halts at once with exit code 3 (no shutdown hooks, like a crash);
 *   <li>{@code err}: prints {@code ERR err} to stderr;
 *   <li>{@code prop <key>}: prints {@code PROP <key>=<value of the system property>};
 *   <li>{@code env <name>}: prints {@code ENV <name>=<value of the environment variable>};
 *   <li>{@code args}: prints {@code ARGS } and the program arguments joined by {@code |};
 *   <li>{@code hang}: stops reading stdin and blocks shutdown forever, so only SIGKILL ends it;
 *   <li>anything else: prints {@code ECHO <line>}.
 * </ul>
 *
 * <p>It exits with 0 at the end of stdin, so it does not outlive a test JVM that died without closing it.
 *
 * <p>Not thread-safe; it is a program, run on its main thread.
 */
public final class EchoMain {
  private EchoMain() {}

  /**
   * Runs the echo loop.
   *
   * @param args echoed back by the {@code args} command
   * @throws IOException if stdin cannot be read
   * @throws InterruptedException never in practice: only {@code hang} waits, and nothing interrupts it
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    System.out.println("READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("exit")) {
        System.out.println("BYE");
        System.exit(0);
      } else if (line.equals("crash")) {
        Runtime.getRuntime().halt(3);
      } else if (line.equals("err")) {
        System.err.println("ERR " + line);
      } else if (line.startsWith("prop ")) {
        String key = line.substring("prop ".length());
        System.out.println("PROP " + key + "=" + System.getProperty(key));
      } else if (line.startsWith("env ")) {
        String name = line.substring("env ".length());
        System.out.println("ENV " + name + "=" + System.getenv(name));
      } else if (line.equals("args")) {
        System.out.println("ARGS " + String.join("|", args));
      } else if (line.equals("hang")) {
        hang();
      } else {
        System.out.println("ECHO " + line);
      }
    }
  }

  private static void hang() throws InterruptedException {
    CountDownLatch never = new CountDownLatch(1);
    // SIGTERM runs shutdown hooks and the JVM waits for them, so this makes SIGTERM ineffective.
    Runtime.getRuntime().addShutdownHook(new Thread(EchoMain::awaitForever, "hang-on-shutdown"));
    System.out.println("HANGING");
    never.await();
  }

  private static void awaitForever() {
    CountDownLatch never = new CountDownLatch(1);
    while (true) {
      try {
        never.await();
      } catch (InterruptedException e) {
        // Keep hanging: this hook exists to make the JVM ignore a polite shutdown.
      }
    }
  }
}
