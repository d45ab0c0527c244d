package io.clusterclient.it;

import io.clusterclient.Delegate;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The client type of the tests against a Node.js peer on its default transcode (serialize-json):
 * values that hold a Buffer ({@code byte[]}) and a Date ({@link Instant}).
 */
public interface Catalog {
  /** An item: its bytes travel as a Node.js Buffer, its time as a Date. */
  record Item(String dataId, byte[] data, Instant at) {}

  /** reg: {"dataId": ...}; the listener receives each item published with that dataId. */
  void subscribe(Map<String, String> reg, Consumer<Item> listener);

  /** Publishes an item to the subscribers of its dataId. */
  void publish(Item item);

  /** The item with its bytes inverted and its time one second later. */
  @Delegate
  Item item(Item in);

  /** Throws an error with the message, named EchoError, code E_ECHO on Node.js. */
  @Delegate
  String fail(String message);
}
