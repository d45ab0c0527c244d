package io.clusterclient.bus;

import org.slf4j.LoggerFactory;

/**
 * Receives the messages of one subscription, one at a time and in id order, on the bus's callback
 * executor (never an I/O thread). Each message is delivered at most once to a subscription.
 *
 * <p>The two default methods report what a subscriber did not get; they log a warning unless
 * overridden, so a lambda subscriber never misses messages silently.
 *
 * @param <T> the value type, read from the message's JSON with the bus's mapper
 */
@FunctionalInterface
public interface MessageListener<T> {
  /**
   * A message.
   *
   * @param id its id: strictly increasing within the topic, also across leader changes
   * @param value its value
   */
  void onMessage(long id, T value);

  /**
   * Messages this subscription should have received were dropped by retention before it got them:
   * every retained message with an id in {@code [afterId + 1, upToId]} is gone. Delivery goes on with
   * the next retained message.
   *
   * @param topic the topic
   * @param afterId the last id delivered (or asked for)
   * @param upToId the highest id dropped
   */
  default void onGap(String topic, long afterId, long upToId) {
    LoggerFactory.getLogger(MessageListener.class)
        .warn("bus topic {}: messages after id {} up to id {} were dropped by retention before this "
            + "subscriber got them", topic, afterId, upToId);
  }

  /**
   * This subscription fell too far behind and was closed; nothing more is delivered to it. Subscribe
   * again with {@code From.id(lastId)} to resume without a gap (while retention still holds it).
   *
   * @param topic the topic
   * @param lastId the id of the last message delivered to it ({@code -1}: none)
   * @param reason why
   */
  default void onDropped(String topic, long lastId, String reason) {
    LoggerFactory.getLogger(MessageListener.class)
        .warn("bus topic {}: subscriber dropped after id {}: {}", topic, lastId, reason);
  }
}
