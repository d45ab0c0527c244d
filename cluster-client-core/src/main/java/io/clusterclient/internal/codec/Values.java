package io.clusterclient.internal.codec;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.util.ByteProcessor;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * Arguments and results on the wire. Between two Java processes that agreed on it when the follower
 * registered, a value declared {@code byte[]} travels as its raw bytes, after one tag byte (0 null, 1
 * bytes), instead of base64 text: one copy each way instead of an encoding. With the default JSON
 * codec, a {@code String} of printable ASCII without quotes or backslashes is written and read as
 * itself in quotes, which is its JSON text whoever writes it (Jackson, {@code JSON.stringify}).
 * Everything else, and every value with another codec, goes through the codec.
 */
public final class Values {
  private static final int NULL = 0;
  private static final int BYTES = 1;
  /** Bytes a JSON string may hold as themselves: printable ASCII but the quote and the backslash. */
  private static final ByteProcessor PLAIN_ASCII =
      b -> b >= 0x20 && b < 0x7f && b != '"' && b != '\\';

  private Values() {}

  /**
   * Writes one value.
   *
   * @param codec the codec for everything but raw byte arrays
   * @param binary whether the connection agreed on raw byte arrays
   * @param value the value
   * @param type its declared type
   * @param out where to write
   * @throws IOException when the codec fails
   */
  public static void encode(ClusterCodec codec, boolean binary, Object value, Type type, OutputStream out)
      throws IOException {
    if (binary && type == byte[].class) {
      if (value == null) {
        out.write(NULL);
      } else {
        out.write(BYTES);
        out.write((byte[]) value);
      }
      return;
    }
    if (type == String.class
        && value instanceof String
        && out instanceof ByteBufOutputStream
        && isPlainJson(codec)
        && isPlainAscii((String) value)) {
      // The JSON text of such a string is the string in quotes, whoever writes it.
      ByteBuf buf = ((ByteBufOutputStream) out).buffer();
      buf.writeByte('"').writeCharSequence((String) value, StandardCharsets.US_ASCII);
      buf.writeByte('"');
      return;
    }
    codec.encode(value, type, out);
  }

  private static boolean isPlainJson(ClusterCodec codec) {
    return codec instanceof JsonCodec && ((JsonCodec) codec).isPlain();
  }

  private static boolean isPlainAscii(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns how many bytes {@link #encode} will write for a value, when that is known in advance.
   *
   * @param binary whether the connection agreed on raw byte arrays
   * @param value the value
   * @param type its declared type
   * @return the exact size of a raw byte array, or 0 when only the codec knows
   */
  public static int sizeHint(boolean binary, Object value, Type type) {
    return binary && type == byte[].class && value != null ? 1 + ((byte[]) value).length : 0;
  }

  /**
   * Reads one value from all the readable bytes of a buffer, without moving its indices.
   *
   * @param codec the codec for everything but raw byte arrays
   * @param binary whether the connection agreed on raw byte arrays
   * @param buf the value's bytes
   * @param type its declared type
   * @return the value
   * @throws IOException when the codec fails
   */
  public static Object decode(ClusterCodec codec, boolean binary, ByteBuf buf, Type type)
      throws IOException {
    if (binary && type == byte[].class) {
      if (!buf.isReadable()) {
        return null;
      }
      int tag = buf.getUnsignedByte(buf.readerIndex());
      if (tag == NULL && buf.readableBytes() == 1) {
        return null;
      }
      if (tag != BYTES) {
        throw new ProtocolException("a raw byte[] value starts with tag " + tag + ", not 0 or 1");
      }
      byte[] bytes = new byte[buf.readableBytes() - 1];
      buf.getBytes(buf.readerIndex() + 1, bytes);
      return bytes;
    }
    if (type == String.class && isPlainJson(codec)) {
      int start = buf.readerIndex();
      int length = buf.readableBytes();
      if (length >= 2
          && buf.getByte(start) == '"'
          && buf.getByte(start + length - 1) == '"'
          && buf.forEachByte(start + 1, length - 2, PLAIN_ASCII) == -1) {
        return buf.toString(start + 1, length - 2, StandardCharsets.US_ASCII);
      }
    }
    return codec.decode(new ByteBufInputStream(buf.duplicate()), type);
  }
}
