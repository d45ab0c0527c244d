package io.clusterclient.bus;

/**
 * A message of a topic's backlog. Immutable if its value is.
 *
 * @param topic the topic
 * @param id the id the leader gave it
 * @param timestampMillis when the leader accepted it (wall clock)
 * @param key its compaction key, or {@code null}
 * @param value its value
 * @param <T> the value type
 */
public record Message<T>(String topic, long id, long timestampMillis, String key, T value) {}
