package io.clusterclient.internal.bus;

import io.clusterclient.internal.bus.BusWire.Msg;
import java.util.List;
import java.util.Map;

/**
 * What a new broker starts from: its own process's replica.
 *
 * @param msgs per topic, the retained messages in id order
 * @param floors per topic, the highest id dropped by retention
 * @param purged per map topic, the id up to which removal markers were purged
 * @param dropped the highest id of the topics dropped (0: none)
 * @param epoch the epoch of the last broker the replica followed (-1: none)
 * @param broker that broker's instance id (null: none)
 * @param members the instances in sync with that broker
 */
record Seed(
    Map<String, List<Msg>> msgs, Map<String, Long> floors, Map<String, Long> purged, long dropped,
    long epoch, String broker, List<String> members) {}
