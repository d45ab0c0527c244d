package io.clusterclient.internal.leader;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.internal.codec.JsonCodec;
import io.clusterclient.internal.codec.RemoteErrors;
import io.clusterclient.internal.codec.Values;
import io.clusterclient.internal.proxy.MethodInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Set;

/**
 * What makes a call in the leader's own process behave as a follower's (option {@code
 * codecOnLeader}): arguments and results are copied through the codec, written and read back as
 * their declared types, and what the real client throws becomes what a follower's caller gets. So
 * a type the codec cannot write, or cannot read back, fails in every process alike, and no caller
 * shares mutable objects with the real client. Thread-safe.
 *
 * <p>Values that the default codec reads back as equal objects of the same class (strings, whole
 * numbers, booleans declared as their own type) are passed as they are: copying them would cost
 * time and change nothing. Raw {@code byte[]} is cloned, as a Java follower's travels raw.
 */
final class LocalCopies {
  private static final Set<Class<?>> IMMUTABLE_AS_DECLARED =
      Set.of(String.class, Integer.class, Long.class, Short.class, Byte.class, Boolean.class,
          int.class, long.class, short.class, byte.class, boolean.class);

  private final ClusterCodec codec;
  private final boolean enabled;
  private final boolean plain;
  private final String where;

  LocalCopies(ClusterCodec codec, boolean enabled, long pid) {
    this.codec = codec;
    this.enabled = enabled;
    this.plain = codec instanceof JsonCodec && ((JsonCodec) codec).isPlain();
    this.where = "the leader (this process, pid " + pid + ")";
  }

  /**
   * Copies the arguments of a call, as the leader reads a follower's.
   *
   * @throws ClusterCodecException when one cannot be written or read back
   */
  Object[] args(MethodInfo info, Object[] args) {
    if (!enabled || args == null || args.length == 0) {
      return args;
    }
    Type[] types = info.parameterTypes();
    Class<?>[] classes = info.method().getParameterTypes();
    Object[] copy = new Object[args.length];
    for (int i = 0; i < args.length; i++) {
      Object value;
      try {
        value = copy(args[i], types[i], classes[i]);
      } catch (Failure f) {
        throw new ClusterCodecException(
            f.reading
                ? "argument " + (i + 1) + " of " + info.description() + " cannot be read as "
                    + types[i].getTypeName() + ": " + f.getCause().getMessage()
                : "cannot encode the arguments of " + info.description() + ": "
                    + f.getCause().getMessage(),
            f.getCause());
      }
      copy[i] = value == null ? RealClients.defaultValue(classes[i]) : value;
    }
    return copy;
  }

  /**
   * Copies a result, as a follower reads the leader's answer.
   *
   * @throws ClusterCodecException when it cannot be written or read back
   */
  Object result(MethodInfo info, Object result) {
    if (!enabled) {
      return result;
    }
    Type type = info.resultType();
    try {
      return copy(result, type, type instanceof Class ? (Class<?>) type : null);
    } catch (Failure f) {
      throw new ClusterCodecException(
          f.reading
              ? "cannot read the answer of " + where + " as " + type.getTypeName() + ": "
                  + f.getCause().getMessage()
              : info.description() + " failed on " + where + ": the leader cannot encode the result"
                  + " of " + info.description() + ": " + f.getCause().getMessage(),
          f.getCause());
    }
  }

  /**
   * What a follower's caller would get for an exception the real client threw: itself when the
   * method declares it (a follower rebuilds the declared type), else a {@code
   * RemoteInvocationException} with the exception as its cause.
   */
  Throwable error(MethodInfo info, Throwable error) {
    if (!enabled || error instanceof ClusterCodecException) {
      return error;
    }
    return RemoteErrors.asFollowerSees(error, info.method(), info.description() + " failed on " + where);
  }

  private Object copy(Object value, Type type, Class<?> declared) throws Failure {
    if (value == null) {
      return null;
    }
    if (type == byte[].class) {
      return ((byte[]) value).clone();
    }
    if (plain && declared != null && IMMUTABLE_AS_DECLARED.contains(declared)
        && (declared.isPrimitive() || declared == value.getClass())) {
      return value;
    }
    ByteBuf buf = ByteBufAllocator.DEFAULT.heapBuffer();
    try {
      try {
        Values.encode(codec, true, value, type, new ByteBufOutputStream(buf));
      } catch (IOException | RuntimeException e) {
        throw new Failure(false, e);
      }
      try {
        return Values.decode(codec, true, buf, type);
      } catch (IOException | RuntimeException e) {
        throw new Failure(true, e);
      }
    } finally {
      buf.release();
    }
  }

  /** Which half of a copy failed. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final boolean reading;

    Failure(boolean reading, Exception cause) {
      super(cause.getMessage(), cause, false, false);
      this.reading = reading;
    }
  }
}
