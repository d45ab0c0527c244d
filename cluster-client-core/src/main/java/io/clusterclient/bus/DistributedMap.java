package io.clusterclient.bus;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A map with the same content in every process of a bus. Writes go through the leader, which orders
 * them; every process applies them in that order to a local copy, so reads are local and fast. A
 * process that starts later gets the full content; the content survives the leader's death. It is a
 * compacted topic underneath, bounded by the bus's {@code mapMaxBytes} of keys and values (as JSON),
 * which also counts the marker a removal leaves until it is purged after {@code mapTombstoneRetention}.
 * The leader never drops an entry to make room: a write that would go over the limit fails with
 * {@link MapFullException}, so every copy keeps the same content. Thread-safe.
 *
 * @param <K> the key type, written as JSON to form the topic's key
 * @param <V> the value type
 */
public interface DistributedMap<K, V> {
  /**
   * @param key a key
   * @return its value in this process's copy, or {@code null}
   */
  V get(K key);

  /** @return the number of entries in this process's copy */
  int size();

  /** @return an unmodifiable live view of this process's copy */
  Map<K, V> asMap();

  /**
   * Sets a key everywhere.
   *
   * @param key the key
   * @param value the value, not null
   * @return completes with the write's id once the leader has ordered it and this process's copy
   *     holds it (so a {@link #get} after it sees it); fails with {@link MapFullException} when the map
   *     would go over {@code mapMaxBytes}
   */
  CompletableFuture<Long> put(K key, V value);

  /**
   * Removes a key everywhere.
   *
   * @param key the key
   * @return completes as {@link #put} does
   */
  CompletableFuture<Long> remove(K key);
}
