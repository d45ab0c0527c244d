package io.clusterclient.it;

import static io.clusterclient.it.BusResumeIT.WAIT;
import static io.clusterclient.it.SharedSubscriptionIT.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.testing.ChildJvm;
import io.clusterclient.testing.Deadline;
import io.clusterclient.testing.TestProcess;
import io.clusterclient.testing.TestProcesses;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bus's promises across JVMs: a confirmed subscription hears the next publish of another
 * process, retention by count, bytes and age, compaction by key, a publish made before any leader
 * exists, and a slow subscriber dropped to resume while a fast one in another process gets everything.
 */
@Timeout(180)
class BusFeaturesIT {
  private static final String TOPICS = "cnt=count:5,bytes=bytes:40,age=ageMs:300,kv=compacted";
  private final TestProcesses processes = new TestProcesses();
  private final int port = Ports.free();

  @AfterEach
  void stop() {
    processes.close();
  }

  private TestProcess start(String name, Path dir, String... props) {
    return processes.add(ChildJvm.builder(BusChild.class).name(name).args("" + port, name, dir.toString())
        .systemProperty("bus.topics", TOPICS).systemProperties(props).start());
  }

  /** The ids and values a backlog command answered, oldest first. */
  private static List<String> backlog(TestProcess p, String topic) {
    String answer = command(p, "backlog " + topic + " 1000");
    assertThat(answer).startsWith("OK backlog");
    String rest = answer.substring("OK backlog".length()).trim();
    return rest.isEmpty() ? List.of() : Arrays.asList(rest.split(" "));
  }

  private static List<Long> ids(List<String> entries) {
    return entries.stream().map(e -> Long.parseLong(e.substring(0, e.indexOf('=')))).toList();
  }

  @Test
  void retentionCompactionAndConfirmedSubscriptionsHoldAcrossProcesses(@TempDir Path dir) {
    TestProcess a = start("a", dir);
    assertThat(a.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    TestProcess b = start("b", dir);
    assertThat(b.awaitLine("READY ", WAIT)).isEqualTo("READY FOLLOWER");

    // Confirmed: once subscribe has completed, the very next publish of another process reaches it.
    assertThat(command(b, "sub live latest")).isEqualTo("OK sub");
    assertThat(command(a, "pub live 1")).isEqualTo("OK pub 1");
    Deadline.await("b hears a's publish", WAIT, () -> BusFiles.ids(dir.resolve("b-live.recv")).size() == 1);

    // Count: 5 kept of 12. From the beginning: the 5 kept; from an id retention dropped: told of the
    // gap first, never silently.
    assertThat(command(a, "pub cnt 12")).isEqualTo("OK pub 12");
    List<Long> acked = new ArrayList<>(BusFiles.messages(dir.resolve("a-cnt.ack")).keySet());
    Deadline.await("b's replica keeps the newest 5", WAIT, () -> ids(backlog(b, "cnt")).equals(acked.subList(7, 12)));
    assertThat(command(b, "sub cnt beginning")).isEqualTo("OK sub");
    Deadline.await("the 5 kept", WAIT, () -> BusFiles.ids(dir.resolve("b-cnt.recv")).size() == 5);
    assertThat(BusFiles.ids(dir.resolve("b-cnt.recv"))).isEqualTo(acked.subList(7, 12));
    assertThat(command(b, "unsub cnt")).startsWith("OK unsub");
    Path resumed = dir.resolve("c-cnt.recv");
    TestProcess c = start("c", dir);
    c.awaitLine("READY ", WAIT);
    assertThat(command(c, "sub cnt " + acked.get(2))).isEqualTo("OK sub");
    Deadline.await("c's 5", WAIT, () -> BusFiles.ids(resumed).size() == 5);
    assertThat(BusFiles.lines(resumed).get(0)).isEqualTo("GAP " + acked.get(2) + " " + acked.get(6));
    assertThat(BusFiles.ids(resumed)).isEqualTo(acked.subList(7, 12));

    // Bytes: values of about 5 bytes each in 40 bytes: the newest few, never all 20.
    assertThat(command(a, "pub bytes 20")).isEqualTo("OK pub 20");
    List<Long> bytesAcked = new ArrayList<>(BusFiles.messages(dir.resolve("a-bytes.ack")).keySet());
    Deadline.await("b's replica has the newest", WAIT,
        () -> ids(backlog(b, "bytes")).contains(bytesAcked.get(19)));
    List<String> kept = backlog(b, "bytes");
    assertThat(kept).hasSizeBetween(1, 10);
    assertThat(ids(kept)).isEqualTo(bytesAcked.subList(20 - kept.size(), 20));

    // Age: 300 ms. Publish on until the first three are gone, in every replica.
    assertThat(command(a, "pub age 3")).isEqualTo("OK pub 3");
    List<Long> old = new ArrayList<>(BusFiles.messages(dir.resolve("a-age.ack")).keySet());
    Deadline.await("the old messages aged out", WAIT, () -> {
      command(a, "pub age 1");
      return ids(backlog(b, "age")).stream().noneMatch(old::contains);
    });

    // Compaction: the newest value of each key.
    command(a, "pubkey kv k1 v1");
    command(a, "pubkey kv k2 v2");
    command(a, "pubkey kv k1 v3");
    Deadline.await("compacted at b", WAIT, () -> backlog(b, "kv").stream().map(e -> e.substring(e.indexOf('=') + 1))
        .toList().equals(List.of("v2", "v3")));
  }

  @Test
  void aPublishMadeBeforeAnyLeaderIsSentOnceOneIsThere(@TempDir Path dir) {
    TestProcess early = start("early", dir, "bus.follower", "true", "bus.early", "news:first");
    TestProcess leader = start("leader", dir);
    assertThat(leader.awaitLine("READY ", WAIT)).isEqualTo("READY LEADER");
    String line = early.awaitLine("EARLY", WAIT);
    assertThat(line).startsWith("EARLY ");
    long id = Long.parseLong(line.substring("EARLY ".length()));
    assertThat(backlog(leader, "news")).containsExactly(id + "=first");
  }

  @Test
  void aSlowSubscriberIsDroppedToResumeWhileAFastOneGetsEverything(@TempDir Path dir) {
    TestProcess a = start("a", dir, "bus.maxLag", "50");
    a.awaitLine("READY ", WAIT);
    TestProcess slow = start("slow", dir, "bus.maxLag", "50");
    TestProcess fast = start("fast", dir, "bus.maxLag", "50");
    slow.awaitLine("READY ", WAIT);
    fast.awaitLine("READY ", WAIT);
    assertThat(command(slow, "sub feed latest 20")).isEqualTo("OK sub");
    assertThat(command(fast, "sub feed latest")).isEqualTo("OK sub");
    assertThat(command(a, "pub feed 300")).isEqualTo("OK pub 300");
    List<Long> acked = new ArrayList<>(BusFiles.messages(dir.resolve("a-feed.ack")).keySet());

    Path slowFile = dir.resolve("slow-feed.recv");
    Deadline.await("the slow subscriber dropped", WAIT,
        () -> BusFiles.lines(slowFile).stream().anyMatch(l -> l.startsWith("DROPPED ")));
    Deadline.await("the fast one has all 300", WAIT, () -> BusFiles.ids(dir.resolve("fast-feed.recv")).size() == 300);
    assertThat(BusFiles.ids(dir.resolve("fast-feed.recv"))).isEqualTo(acked);
    assertThat(BusFiles.lines(dir.resolve("fast-feed.recv"))).noneMatch(l -> l.startsWith("DROPPED"));

    // The dropped one resumes from the last id it got, at full speed, and has everything after it.
    String dropped = BusFiles.lines(slowFile).stream().filter(l -> l.startsWith("DROPPED ")).findFirst().orElseThrow();
    long last = Long.parseLong(dropped.substring("DROPPED ".length()));
    List<Long> before = BusFiles.ids(slowFile);
    assertThat(before).isEqualTo(acked.subList(0, before.size()));
    assertThat(before.get(before.size() - 1)).isEqualTo(last);
    assertThat(command(slow, "unsub feed")).startsWith("OK unsub");
    assertThat(command(slow, "sub feed " + last)).isEqualTo("OK sub");
    Deadline.await("the slow one caught up", WAIT, () -> BusFiles.ids(slowFile).size() == 300);
    assertThat(BusFiles.ids(slowFile)).isEqualTo(acked);
  }
}
