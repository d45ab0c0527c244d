package io.clusterclient.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.Role;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Single mode: no port, no network; the instances of a name in this process share one client. */
@Timeout(60)
class SingleModeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final AtomicInteger constructions = new AtomicInteger();
  private final List<ClusterHandle> handles = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAll() {
    handles.forEach(ClusterHandle::close);
  }

  private Registry registry(String name) throws Exception {
    Registry r =
        ClusterClient.of(Registry.class)
            .options(ClusterOptions.builder().name(name).singleMode(true).build())
            .create(
                () -> {
                  constructions.incrementAndGet();
                  return new RealRegistry();
                });
    ClusterHandle h = ClusterClient.handle(r);
    handles.add(h);
    h.ready().get(20, TimeUnit.SECONDS);
    assertThat(h.role()).isEqualTo(Role.LEADER);
    assertThat(h.port()).isZero();
    return r;
  }

  @Test
  void subscriptionsAreSharedLikeInClusterMode() throws Exception {
    Registry a = registry("single-registry");
    Registry b = registry("single-registry");
    assertThat(constructions).hasValue(1);

    List<List<String>> seenByA = new CopyOnWriteArrayList<>();
    List<List<String>> seenByB = new CopyOnWriteArrayList<>();
    Consumer<List<String>> la = seenByA::add;
    Consumer<List<String>> lb = seenByB::add;
    a.subscribe(Map.of("dataId", "s1"), la);
    b.subscribe(Map.of("dataId", "s1"), lb);
    a.publish(Map.of("dataId", "s1", "value", "one"));
    a.publish(Map.of("dataId", "s1", "value", "two"));
    await().atMost(WAIT).until(() -> seenByA.contains(List.of("one", "two")) && seenByB.contains(List.of("one", "two")));
    assertThat(Collections.frequency(b.upstreamLog(), "subscribe:s1")).isEqualTo(1);

    // A late listener gets the latest value at once.
    List<List<String>> late = new CopyOnWriteArrayList<>();
    Consumer<List<String>> ll = late::add;
    b.subscribe(Map.of("dataId", "s1"), ll);
    await().atMost(WAIT).until(() -> late.contains(List.of("one", "two")));

    // Each listener gets its own copy: mutating one does not change what another sees.
    Consumer<List<String>> mutator = v -> v.clear();
    a.subscribe(Map.of("dataId", "s1"), mutator);
    a.publish(Map.of("dataId", "s1", "value", "three"));
    await().atMost(WAIT).until(() -> seenByB.contains(List.of("one", "two", "three")));

    a.unSubscribe(Map.of("dataId", "s1"), la);
    a.unSubscribe(Map.of("dataId", "s1"), mutator);
    b.unSubscribe(Map.of("dataId", "s1"), lb);
    assertThat(b.upstreamLog()).doesNotContain("unsubscribe:s1");
    b.unSubscribe(Map.of("dataId", "s1"), ll);
    await().atMost(WAIT).until(() -> b.upstreamLog().contains("unsubscribe:s1"));
  }

  @Test
  void callsGoStraightToTheRealClient() throws Exception {
    EchoService echo =
        ClusterClient.of(EchoService.class)
            .options(ClusterOptions.builder().name("single-echo").singleMode(true).build())
            .create(() -> new RealEchoService("single"));
    ClusterHandle h = ClusterClient.handle(echo);
    handles.add(h);
    h.ready().get(20, TimeUnit.SECONDS);
    assertThat(echo.echo("x")).isEqualTo("x");
    assertThat(echo.add(1, 2).get(10, TimeUnit.SECONDS)).isEqualTo(3);
    echo.record("r");
    await().atMost(WAIT).until(() -> echo.recorded().contains("r"));
    assertThat(echo.overloaded(3)).isEqualTo("I:3");
  }

  @Test
  void aListenerThatThrowsIsReportedOnceAndTheOthersStillGetTheValue() throws Exception {
    Registry r = registry("single-throwing");
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    ClusterClient.handle(r)
        .addListener(
            new io.clusterclient.ClusterListener() {
              @Override
              public void error(ClusterHandle handle, Throwable error) {
                errors.add(error);
              }
            });
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    Consumer<List<String>> thrower =
        v -> {
          throw new IllegalStateException("listener bug");
        };
    Consumer<List<String>> good = seen::add;
    r.subscribe(Map.of("dataId", "t1"), thrower);
    r.subscribe(Map.of("dataId", "t1"), good);
    r.publish(Map.of("dataId", "t1", "value", "one"));
    await().atMost(WAIT).until(() -> seen.contains(List.of("one")) && errors.size() == 1);
    assertThat(errors.get(0)).hasMessageContaining("listener bug").hasMessageContaining("t1");
    r.publish(Map.of("dataId", "t1", "value", "two"));
    await().atMost(WAIT).until(() -> seen.contains(List.of("one", "two")) && errors.size() == 2);
  }

  @Test
  void aSubscriptionWithoutAFirstValueInTimeIsReportedAndALateValueStillArrives() throws Exception {
    Registry r =
        ClusterClient.of(Registry.class)
            .options(
                ClusterOptions.builder()
                    .name("single-timeout")
                    .singleMode(true)
                    .subscribeTimeout(Duration.ofMillis(200))
                    .build())
            .create(RealRegistry::new);
    ClusterHandle h = ClusterClient.handle(r);
    handles.add(h);
    h.ready().get(20, TimeUnit.SECONDS);
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    h.addListener(
        new io.clusterclient.ClusterListener() {
          @Override
          public void error(ClusterHandle handle, Throwable error) {
            errors.add(error);
          }
        });
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    Consumer<List<String>> listener = seen::add;
    r.subscribe(Map.of("dataId", "late"), listener);
    await().atMost(WAIT).until(() -> !errors.isEmpty());
    assertThat(errors.get(0))
        .isInstanceOf(io.clusterclient.ClusterTimeoutException.class)
        .hasMessageContaining("{\"dataId\":\"late\"}")
        .hasMessageContaining("subscribeTimeout 200 ms");
    r.publish(Map.of("dataId", "late", "value", "finally"));
    await().atMost(WAIT).until(() -> seen.contains(List.of("finally")));
    assertThat(errors).hasSize(1);
  }
}
