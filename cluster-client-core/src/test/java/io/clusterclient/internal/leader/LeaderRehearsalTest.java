package io.clusterclient.internal.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.Delegate;
import io.clusterclient.Role;
import io.clusterclient.it.Ports;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A follower rehearses leading once, in the background, so that taking over runs warm code; the
 * rehearsal never runs the user's factory and never reaches the real client.
 */
@Timeout(60)
class LeaderRehearsalTest {
  public interface Counter {
    @Delegate
    int next(String who);
  }

  @Test
  void aFollowerRehearsesWithoutTheUsersFactoryOrRealClient() throws Exception {
    int port = Ports.free();
    AtomicInteger factoryRuns = new AtomicInteger();
    List<String> calls = new CopyOnWriteArrayList<>();
    AtomicInteger counter = new AtomicInteger();
    ClusterOptions options = ClusterOptions.builder().name("counter").port(port).build();
    int before = LeaderRehearsal.completed();
    try (ClusterRuntime one = ClusterRuntime.builder().name("rh1").build();
        ClusterRuntime two = ClusterRuntime.builder().name("rh2").build()) {
      Counter leader =
          ClusterClient.of(Counter.class).runtime(one).options(options).create(() -> {
            factoryRuns.incrementAndGet();
            return who -> {
              calls.add(who);
              return counter.incrementAndGet();
            };
          });
      ClusterClient.handle(leader).ready().get(20, TimeUnit.SECONDS);
      Counter follower =
          ClusterClient.of(Counter.class).runtime(two).options(options).create(() -> {
            factoryRuns.incrementAndGet();
            throw new AssertionError("a follower's factory must not run");
          });
      ClusterClient.handle(follower).ready().get(20, TimeUnit.SECONDS);
      assertThat(ClusterClient.handle(follower).role()).isEqualTo(Role.FOLLOWER);

      await().atMost(Duration.ofSeconds(20)).until(() -> LeaderRehearsal.completed() > before);
      assertThat(follower.next("follower")).isEqualTo(1);
      assertThat(factoryRuns).hasValue(1);
      assertThat(calls).containsExactly("follower");
    }
  }
}
