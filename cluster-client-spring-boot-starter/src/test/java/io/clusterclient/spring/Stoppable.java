package io.clusterclient.spring;

import io.clusterclient.Delegate;

/** A shared client type whose real client has a {@code shutdown()} method, which Spring must not call. */
public interface Stoppable {
  /**
   * Answers.
   *
   * @return "hello"
   */
  @Delegate
  String hello();

  /** Shuts the real client down; only the application calls it. */
  @Delegate
  void shutdown();
}
