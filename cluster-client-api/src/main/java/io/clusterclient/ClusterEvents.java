package io.clusterclient;

/**
 * The sink through which a real client emits named events to every process of the cluster, as a
 * Node.js real client emits events that cluster-client re-emits on the wrapper. A real client gets
 * one by implementing {@link ClusterEventSource}; every process hears the events through {@link
 * ClusterHandle#addEventListener(String, Class, ClusterEventListener)}.
 *
 * <p>Thread-safe; {@link #emit} never blocks. Events from one thread reach every process in the
 * order they were emitted; the leader puts events from several threads in one order, which every
 * process sees.
 */
public interface ClusterEvents {
  /**
   * Emits an event to the listeners of its name in every process: in the leader's, and in each Java
   * follower's, which receive it from the leader. The value is written with the client's codec on
   * the calling thread, so each listener gets its own copy, read as the type it asked for. An event
   * is not remembered: a process that joins later, or that is electing a leader when it is emitted,
   * does not hear it. Emitting after the real client was replaced or closed does nothing.
   *
   * @param name the event's name, non-empty
   * @param value the value, possibly null; anything the codec can write
   * @throws ClusterCodecException when the codec cannot write the value
   * @throws MessageTooLargeException when the value exceeds {@code maxFrameLength}
   */
  void emit(String name, Object value);
}
