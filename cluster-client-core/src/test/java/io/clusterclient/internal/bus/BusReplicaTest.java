package io.clusterclient.internal.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterRuntime;
import io.clusterclient.bus.ClusterBus;
import io.clusterclient.bus.DistributedMap;
import io.clusterclient.internal.bus.BusWire.Batch;
import io.clusterclient.internal.bus.BusWire.Msg;
import io.clusterclient.it.Ports;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One process's replica fed batches as a broker would send them after a long time out of touch. */
@Timeout(60)
class BusReplicaTest {
  private final ClusterRuntime runtime = ClusterRuntime.builder().name("bus-replica").build();
  private DefaultClusterBus bus;

  @AfterEach
  void close() {
    if (bus != null) {
      bus.close();
    }
    runtime.close();
  }

  @Test
  void aCatchUpThatSendsAMapWholeDropsTheKeysRemovedWhileThisProcessWasOutOfTouch() throws Exception {
    ClusterOptions options = ClusterOptions.builder().port(Ports.free()).jmx(false).build();
    bus = (DefaultClusterBus) ClusterBus.builder("bus-replica").options(options).runtime(runtime).create();
    bus.ready().get(20, TimeUnit.SECONDS);
    DistributedMap<String, Integer> map = bus.map("m", String.class, Integer.class);
    map.put("keep", 1).get(20, TimeUnit.SECONDS);
    map.put("gone", 2).get(20, TimeUnit.SECONDS);
    long high = map.put("also-kept", 3).get(20, TimeUnit.SECONDS);
    String topic = DefaultClusterBus.MAP_PREFIX + "m";
    List<Msg> held = List.copyOf(bus.topic(topic).log.values());
    assertThat(held).hasSize(3);

    // the broker removed "gone" and purged its marker meanwhile: its catch-up sends the rest again
    List<Msg> resent = List.of(held.get(0), held.get(2));
    Map<String, Long> resync = Map.of(topic, high);
    bus.onBatch(new Batch(Long.MAX_VALUE / 2, "another", resent.subList(0, 1), Map.of(), null, null, resync));
    assertThat(map.get("gone")).isEqualTo(2); // not before the catch-up's end
    bus.onBatch(new Batch(Long.MAX_VALUE / 2, "another", resent.subList(1, 2), Map.of(),
        List.of(bus.instanceId()), Map.of(topic, high + 2), resync));

    assertThat(map.asMap()).isEqualTo(Map.of("keep", 1, "also-kept", 3));
    assertThat(bus.topic(topic).log.values()).containsExactlyElementsOf(resent);
    assertThat(bus.topic(topic).byKey).doesNotContainKey("\"gone\"");
    assertThat(bus.seed().purged()).containsEntry(topic, high + 2); // a new broker would start from it
    assertThat(bus.topic(topic).high).isEqualTo(high + 2); // the newest was a purged marker
  }
}
