package io.clusterclient.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Frames the arguments of an {@code invoke} packet: each argument is a big-endian int32 length
 * followed by that many bytes made by the codec, and the application object is their concatenation.
 *
 * <p>Thread-safe: stateless.
 */
public final class InvokeArgs {
  private static final int LENGTH_PREFIX = 4;

  private InvokeArgs() {}

  /** Writes one argument's bytes; called on the thread that calls {@link #encode}, in order. */
  @FunctionalInterface
  public interface ArgWriter {
    /**
     * Writes argument {@code index}.
     *
     * @param index the argument's position, from 0
     * @param out where to write; do not close it
     * @throws IOException when the argument cannot be written
     */
    void write(int index, OutputStream out) throws IOException;
  }

  /**
   * Builds the application object of an invoke.
   *
   * @param alloc where to allocate the buffer
   * @param count the number of arguments
   * @param writer writes each argument, in order
   * @return a new buffer the caller owns; {@link Unpooled#EMPTY_BUFFER} when count is 0, since the
   *     original sends no application object for a call without arguments
   * @throws IOException when the writer throws; the buffer is released first
   */
  public static ByteBuf encode(ByteBufAllocator alloc, int count, ArgWriter writer)
      throws IOException {
    return encode(alloc, count, 0, writer);
  }

  /**
   * Builds the application object of an invoke in a buffer sized for it from the start, so that a
   * large argument is copied once instead of again at every doubling of the buffer.
   *
   * @param alloc where to allocate the buffer
   * @param count the number of arguments
   * @param sizeHint the bytes the arguments are expected to take, without their length prefixes; 0
   *     when unknown
   * @param writer writes each argument, in order
   * @return a new buffer the caller owns; {@link Unpooled#EMPTY_BUFFER} when count is 0
   * @throws IOException when the writer throws; the buffer is released first
   */
  public static ByteBuf encode(ByteBufAllocator alloc, int count, int sizeHint, ArgWriter writer)
      throws IOException {
    if (count < 0) {
      throw new IllegalArgumentException("negative argument count " + count);
    }
    if (count == 0) {
      return Unpooled.EMPTY_BUFFER;
    }
    long expected = sizeHint + (long) count * LENGTH_PREFIX;
    ByteBuf buf = sizeHint > 0 ? alloc.buffer((int) Math.min(Integer.MAX_VALUE, expected)) : alloc.buffer();
    boolean done = false;
    try {
      ByteBufOutputStream out = new ByteBufOutputStream(buf);
      for (int i = 0; i < count; i++) {
        int lengthIndex = buf.writerIndex();
        // Reserve the prefix and patch it afterwards: the codec streams, so the length is known
        // only once it is done, and this avoids copying each argument.
        buf.writeInt(0);
        writer.write(i, out);
        buf.setInt(lengthIndex, buf.writerIndex() - lengthIndex - LENGTH_PREFIX);
      }
      done = true;
      return buf;
    } finally {
      if (!done) {
        buf.release();
      }
    }
  }

  /**
   * Splits the application object of an invoke into its arguments, without moving its indices.
   *
   * <p>The slices are not retained: they share the buffer, hence the packet's lifetime, and must
   * not be used after the packet is released.
   *
   * @param app the application object
   * @param argLength the number of arguments the connection object declares
   * @return one slice per argument, holding exactly its bytes
   * @throws CorruptedFrameException if the lengths do not frame exactly argLength arguments that
   *     fill the buffer
   */
  public static List<ByteBuf> split(ByteBuf app, int argLength) {
    if (argLength < 0) {
      throw new CorruptedFrameException("negative argument count " + argLength);
    }
    List<ByteBuf> args = new ArrayList<>(argLength);
    int offset = app.readerIndex();
    int end = app.writerIndex();
    for (int i = 0; i < argLength; i++) {
      if (end - offset < LENGTH_PREFIX) {
        throw new CorruptedFrameException(
            String.format(
                "invoke declares %d arguments but the application object ends before the length"
                    + " of argument %d",
                argLength, i));
      }
      // Unsigned, as the original reads it: a length over 2^31 is simply too long, not negative.
      long length = app.getUnsignedInt(offset);
      offset += LENGTH_PREFIX;
      if (length > end - offset) {
        throw new CorruptedFrameException(
            String.format(
                "invoke argument %d declares %d bytes but only %d remain",
                i, length, end - offset));
      }
      args.add(app.slice(offset, (int) length));
      offset += (int) length;
    }
    if (offset != end) {
      throw new CorruptedFrameException(
          String.format(
              "%d bytes left over after the %d declared invoke arguments",
              end - offset, argLength));
    }
    return args;
  }
}
