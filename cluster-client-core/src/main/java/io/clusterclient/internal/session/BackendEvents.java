package io.clusterclient.internal.session;

/**
 * How a backend tells its session what happened to it. Each backend gets its own, tagged with the
 * epoch it was made in: an event of a backend the session has already replaced is dropped. May be
 * called from any thread; never blocks.
 */
public interface BackendEvents {
  /**
   * The backend stopped serving through no action of this process: the leader went away.
   *
   * @param cause why, for the log and for calls that fail
   */
  void lost(Throwable cause);

  /**
   * The leader is handing over: it has freed the port and still answers the calls in flight. The
   * session retires this backend and elects a new leader at once.
   */
  default void handingOver() {
    lost(new io.clusterclient.ClusterException("the leader handed over"));
  }

  /**
   * A value the leader pushed for a registration key.
   *
   * @param key the registration key
   * @param value the value's bytes, owned by the callee from now on
   */
  void pushed(String key, byte[] value);

  /**
   * A named event of the real client: emitted by this process's own real client, or sent by the
   * leader.
   *
   * @param name the event's name
   * @param value its bytes, as the codec wrote them; not changed by the callee
   */
  default void event(String name, byte[] value) {}

  /**
   * The port's holder accepts connections but does not answer: calls should fail fast until a
   * leader answers again.
   *
   * @param what what was seen, for the exception
   */
  void unresponsive(String what);

  /**
   * An error no caller receives: reported to the session's error listeners.
   *
   * @param error the error
   */
  void error(Throwable error);
}
