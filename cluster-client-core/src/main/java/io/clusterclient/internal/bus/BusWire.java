package io.clusterclient.internal.bus;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * What bus instances and the broker say to each other, as the arguments and results of
 * {@link BrokerApi}. Values travel as JSON trees, so the broker never needs (nor loads) a user class.
 */
public final class BusWire {
  private BusWire() {}

  /**
   * The registration of one instance's feed: a key of its own, so the leader pushes it its own batches
   * and calls {@link BrokerApi#unsubscribe} when the instance's process leaves or dies.
   *
   * @param bus the bus name
   * @param instance the instance id
   */
  public record FeedKey(String bus, String instance) {}

  /**
   * A message as every replica holds it.
   *
   * @param t the topic
   * @param id the id
   * @param ts the leader's wall clock when it accepted it
   * @param k the compaction key or null
   * @param v the value (a JSON null: a tombstone, for maps)
   * @param p the publishing instance
   * @param s the publisher's sequence number, for deduplication
   */
  public record Msg(String t, long id, long ts, String k, JsonNode v, String p, long s) {}

  /**
   * What the broker pushes to an instance's feed.
   *
   * @param epoch the broker's epoch
   * @param broker the broker's instance id
   * @param msgs new messages, in id order within each topic
   * @param floors per topic, the highest id dropped by retention, where it changed
   * @param members the instances in sync with the broker, where it changed (else null)
   * @param purged per map topic, where it changed: every removal marker (tombstone) up to this id was
   *     purged, and each replica drops its own (null: none)
   * @param resync in the batches of a catch-up only, the map topics it sends whole (the instance stood
   *     below what was purged), each with the catch-up's number, the same in all its batches: once the
   *     last batch (with members) came, the instance drops what it held that the catch-up did not send
   * @param dropped topics the broker dropped, emptied by retention, with their highest id (null: none);
   *     a topic used again starts above the highest id of every dropped topic, with its floor there
   * @param reborn topics used again after the broker dropped them, each with the id its ids start
   *     above (null: none): a replica that kept the topic, empty, takes it as following on (no id in
   *     between is the topic's); any other replica takes it as a floor. Kept apart from {@code floors},
   *     which are always what retention dropped
   */
  public record Batch(
      long epoch, String broker, List<Msg> msgs, Map<String, Long> floors, List<String> members,
      Map<String, Long> purged, Map<String, Long> resync, Map<String, Long> dropped,
      Map<String, Long> reborn) {}

  /**
   * Retention of a topic, as the broker applies it.
   *
   * @param maxCount most messages
   * @param maxBytes most bytes of values
   * @param maxAgeMs longest age, 0: none
   * @param compacted newest per key only
   */
  public record TopicConfig(long maxCount, long maxBytes, long maxAgeMs, boolean compacted) {}

  /**
   * An instance's hello to a (new) leader: where its replica stands.
   *
   * @param instance the instance id
   * @param highs per topic, the highest id it holds
   * @param topics the options it declared
   */
  public record Hello(String instance, Map<String, Long> highs, Map<String, TopicConfig> topics) {}

  /**
   * The broker's answer to a hello.
   *
   * @param epoch the broker's epoch
   * @param broker the broker's instance id
   * @param highs per topic, the highest id the broker held when it answered
   * @param floors per topic, the highest id dropped by retention
   */
  public record HelloReply(
      long epoch, String broker, Map<String, Long> highs, Map<String, Long> floors) {}

  /**
   * Messages an instance holds that the broker lacked when it answered the hello.
   *
   * @param instance the instance id
   * @param msgs the messages, in id order within each topic
   * @param last whether this is the instance's last merge for this hello
   */
  public record Merge(String instance, List<Msg> msgs, boolean last) {}

  /**
   * One publish.
   *
   * @param s the publisher's sequence number (1, 2, ...)
   * @param t the topic
   * @param k the key or null
   * @param v the value
   */
  public record Pub(long s, String t, String k, JsonNode v) {}

  /**
   * A batch of publishes of one instance, in its order.
   *
   * @param instance the publishing instance
   * @param pubs the publishes
   */
  public record Send(String instance, List<Pub> pubs) {}

  /**
   * The ids of a {@link Send}.
   *
   * @param ids one per publish; {@link #DUPLICATE}: a duplicate whose id retention dropped already;
   *     {@link #REFUSED}: a write to a map refused because the map would exceed its limit
   * @param ts the leader's wall clock when it accepted them
   */
  public record SendReply(List<Long> ids, long ts) {
    /** A publish sent again whose id is no longer known. */
    public static final long DUPLICATE = -1;
    /** A write to a map that would take it over its limit: nothing was stored. */
    public static final long REFUSED = -2;
  }
}
