package io.clusterclient.spring;

import io.clusterclient.Delegate;

/** The shared client type of the tests. */
public interface Greeter {
  /**
   * Greets.
   *
   * @param who whom to greet
   * @return the greeting, which names the real client that made it
   */
  @Delegate
  String greet(String who);
}
