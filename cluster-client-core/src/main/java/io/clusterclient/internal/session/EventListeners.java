package io.clusterclient.internal.session;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.ClusterEventListener;
import io.clusterclient.ClusterException;
import io.clusterclient.ClusterHandle;
import io.clusterclient.internal.SerialExecutor;
import java.io.ByteArrayInputStream;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The listeners of the real client's named events in one process, for one client name: each event
 * that reaches the session (from this process's real client, or from the leader) is read as each
 * listener's type, on that listener's executor. Thread-safe.
 */
public final class EventListeners {
  private final ClusterCodec codec;
  private final Consumer<Throwable> errors;
  private final CopyOnWriteArrayList<Registration<?>> registrations = new CopyOnWriteArrayList<>();

  private record Registration<T>(
      ClusterHandle handle, String name, Class<T> type, ClusterEventListener<? super T> listener, Executor executor) {}

  /**
   * Creates the listeners of a session.
   *
   * @param codec reads the values
   * @param errors where a listener's failure, or a value it cannot read, is reported
   */
  public EventListeners(ClusterCodec codec, Consumer<Throwable> errors) {
    this.codec = codec;
    this.errors = errors;
  }

  /**
   * Adds a listener.
   *
   * @param handle the instance it belongs to
   * @param name the event's name
   * @param type the type to read values as
   * @param listener the listener
   * @param executor where it runs; events reach it one at a time
   * @param <T> the value's type
   */
  public <T> void add(
      ClusterHandle handle, String name, Class<T> type, ClusterEventListener<? super T> listener, Executor executor) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(listener, "listener");
    registrations.add(new Registration<>(handle, name, type, listener, new SerialExecutor(executor)));
  }

  /**
   * Removes a listener of a handle, from every name.
   *
   * @param handle the instance
   * @param listener the listener, or null for all of the handle's
   */
  public void remove(ClusterHandle handle, ClusterEventListener<?> listener) {
    registrations.removeIf(r -> r.handle() == handle && (listener == null || r.listener() == listener));
  }

  /** Removes every listener: the session closed. */
  public void clear() {
    registrations.clear();
  }

  /**
   * Delivers an event to the listeners of its name. Never blocks and never runs a listener or the
   * codec on the calling thread.
   *
   * @param name the event's name
   * @param value its bytes, as the codec wrote them; not changed
   */
  public void deliver(String name, byte[] value) {
    for (Registration<?> r : registrations) {
      if (r.name().equals(name)) {
        r.executor().execute(() -> run(r, value));
      }
    }
  }

  @SuppressWarnings("unchecked") // read as the type asked for, or a primitive's box
  private <T> void run(Registration<T> r, byte[] value) {
    T read;
    try {
      read = (T) codec.decode(new ByteArrayInputStream(value), r.type());
    } catch (Exception e) {
      errors.accept(new ClusterCodecException(
          "the value of event '" + r.name() + "' cannot be read as " + r.type().getName()
              + ": " + e.getMessage() + "; add the listener with the type the real client emits, or Object.class",
          e));
      return;
    }
    try {
      r.listener().onEvent(r.name(), read);
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError) {
        throw e;
      }
      errors.accept(new ClusterException(
          "a listener of event '" + r.name() + "' threw " + e, e));
    }
  }
}
