package io.clusterclient.internal.leader;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.MessageTooLargeException;
import io.clusterclient.internal.codec.JsonCodec;
import io.clusterclient.internal.codec.RemoteErrors;
import io.clusterclient.internal.codec.Values;
import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.FrameLimit;
import io.clusterclient.internal.proxy.MethodInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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

  private static final ConnObject RESULT = ConnObject.invokeResult(true);

  private final ClusterCodec codec;
  private final boolean enabled;
  /** Per delegated method, a bounded set: computed once. */
  private final Map<MethodInfo, AsIs> asIs = new ConcurrentHashMap<>();
  private final boolean plain;
  private final String where;
  private final int maxFrameLength;

  LocalCopies(ClusterCodec codec, boolean enabled, int maxFrameLength, long pid) {
    this.codec = codec;
    this.enabled = enabled;
    this.maxFrameLength = maxFrameLength;
    this.plain = codec instanceof JsonCodec && ((JsonCodec) codec).isPlain();
    this.where = "the leader (this process, pid " + pid + ")";
  }

  /** @return whether calls are copied (option codecOnLeader) */
  boolean enabled() {
    return enabled;
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
    if (asIs(info).params && surelyFits(args)) {
      return args; // strings, whole numbers, booleans: a copy would be equal and of the same class
    }
    Type[] types = info.parameterTypes();
    Class<?>[] classes = info.method().getParameterTypes();
    Object[] copy = new Object[args.length];
    long[] size = new long[1];
    for (int i = 0; i < args.length; i++) {
      Object value;
      try {
        value = copy(args[i], types[i], classes[i], size);
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
    // A follower's arguments travel in one packet, each with a 4-byte length.
    FrameLimit.check("the arguments of ", info.description(), () -> callOf(info), size[0] + 4L * args.length,
        maxFrameLength);
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
    if (asIs(info).result && surelyFits(result)) {
      return result;
    }
    Type type = info.resultType();
    long[] size = new long[1];
    Object copy;
    try {
      copy = copy(result, type, type instanceof Class ? (Class<?>) type : null, size);
    } catch (Failure f) {
      throw new ClusterCodecException(
          f.reading
              ? "cannot read the answer of " + where + " as " + type.getTypeName() + ": "
                  + f.getCause().getMessage()
              : info.description() + " failed on " + where + ": the leader cannot encode the result"
                  + " of " + info.description() + ": " + f.getCause().getMessage(),
          f.getCause());
    }
    try {
      FrameLimit.check("the result of ", info.description(), () -> RESULT, size[0], maxFrameLength);
    } catch (MessageTooLargeException e) {
      throw new MessageTooLargeException(info.description() + " failed on " + where + ": " + e.getMessage());
    }
    return copy;
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

  /** Copies a value through the codec; adds its encoded size to {@code size[0]}. */
  private Object copy(Object value, Type type, Class<?> declared, long[] size) throws Failure {
    if (value == null) {
      size[0] += 4; // "null"
      return null;
    }
    if (type == byte[].class) {
      size[0] += 1 + ((byte[]) value).length;
      return ((byte[]) value).clone();
    }
    if (plain && declared != null && IMMUTABLE_AS_DECLARED.contains(declared)
        && (declared.isPrimitive() || declared == value.getClass())) {
      size[0] += value instanceof String ? jsonLength((String) value) : 20;
      return value;
    }
    if (codec instanceof JsonCodec json) {
      // Arrays rather than a buffer and streams: the same bytes, in about half the time.
      byte[] bytes;
      try {
        bytes = json.encodeToBytes(value, type);
      } catch (IOException | RuntimeException e) {
        throw new Failure(false, e);
      }
      size[0] += bytes.length;
      try {
        return json.decodeBytes(bytes, type);
      } catch (IOException | RuntimeException e) {
        throw new Failure(true, e);
      }
    }
    ByteBuf buf = ByteBufAllocator.DEFAULT.heapBuffer();
    try {
      try {
        Values.encode(codec, true, value, type, new ByteBufOutputStream(buf));
        size[0] += buf.readableBytes();
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

  /** Which values of a method are declared as types that the copy would give back as they are. */
  private record AsIs(boolean params, boolean result) {}

  private AsIs asIs(MethodInfo info) {
    AsIs found = asIs.get(info);
    if (found == null) {
      boolean params = plain;
      for (Type t : info.parameterTypes()) {
        params &= t instanceof Class && IMMUTABLE_AS_DECLARED.contains(t);
      }
      Type r = info.resultType();
      found = new AsIs(params, plain && r instanceof Class && IMMUTABLE_AS_DECLARED.contains(r));
      asIs.put(info, found);
    }
    return found;
  }

  /** Whether values passed as they are fit in a packet whatever their exact encoded size. */
  private boolean surelyFits(Object... values) {
    long chars = 0;
    for (Object v : values) {
      if (v instanceof String) {
        chars += ((String) v).length();
      }
    }
    // At most 6 bytes per char (an escape), 20 per number, plus lengths, header and a large
    // connection object: far below the limit, no need to measure.
    return chars * 6 + 32L * values.length + (2 << 20) < maxFrameLength;
  }

  private static ConnObject callOf(MethodInfo info) {
    return ConnObject.invoke(info.name(), info.parameterCount(), info.isOneway(), info.sig());
  }

  /** The length of a string's JSON text as Jackson writes it: quotes, escapes, UTF-8. */
  private static long jsonLength(String s) {
    long bytes = 2;
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
        bytes += 2;
      } else if (c < 0x20) {
        bytes += 6; // a six-character unicode escape
      } else {
        bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
      }
    }
    return bytes;
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
