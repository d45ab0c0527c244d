package io.clusterclient;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;

/**
 * Turns arguments, results and pushed values into the bytes of a packet's application object and
 * back: the original library's {@code transcode}. Every process of a cluster must use the same codec.
 *
 * <p>The default (when {@link ClusterOptions.Builder#codec} is not set) writes plain JSON, so that a
 * Node.js cluster-client using {@code JSON.stringify}/{@code JSON.parse} as its transcode can lead or
 * follow; {@code JacksonCodec.serializeJson()} (in {@code cluster-client-core}) speaks the
 * original's own default, serialize-json, for Node.js processes on their defaults. A codec must never
 * let the input choose a class to instantiate: the bytes come from any local process that can reach
 * the port.
 *
 * <p>Implementations must be thread-safe: one codec serves every call of every thread.
 */
public interface ClusterCodec {
  /**
   * Writes one value.
   *
   * @param value the value, possibly null
   * @param type the declared (generic) type of the value: a parameter's or a return type
   * @param out where to write; do not close it
   * @throws IOException when the value cannot be written
   */
  void encode(Object value, Type type, OutputStream out) throws IOException;

  /**
   * Reads one value of the given declared type.
   *
   * @param in the value's bytes, exactly; do not close it
   * @param type the declared (generic) type to read
   * @return the value, possibly null
   * @throws IOException when the bytes are not a value of that type
   */
  Object decode(InputStream in, Type type) throws IOException;

  /**
   * Checks that values of a declared type can be written and read back. Called for every parameter
   * and result type of the delegated methods when a client is created, so that a type the codec
   * cannot handle fails there, in every process, rather than at run time in a follower only. The
   * default accepts every type.
   *
   * @param type a declared (generic) type of a delegated method's parameter, result or pushed value
   * @throws IllegalArgumentException when values of the type cannot be written or read back; the
   *     message says why and how to fix it
   */
  default void check(Type type) {}
}
