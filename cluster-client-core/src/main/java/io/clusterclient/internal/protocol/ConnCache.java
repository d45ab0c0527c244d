package io.clusterclient.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * Remembers the connection objects a peer sent, by their exact bytes: a connection repeats the same
 * few (an {@code invoke} per hot method, {@code invoke_result}), and comparing bytes costs a fraction
 * of parsing JSON. Direct-mapped, so its size is fixed whatever a peer sends; objects with a {@code
 * reg} are never kept, since the tree they carry is handed on.
 *
 * <p>Not thread-safe: one per decoder, used by its event loop.
 */
final class ConnCache {
  private static final int SLOTS = 64;
  /** Longer objects are parsed each time: they are rare, and comparing them costs more. */
  private static final int MAX_CACHED_LENGTH = 512;

  private final ByteBuf[] keys = new ByteBuf[SLOTS];
  private final int[] hashes = new int[SLOTS];
  private final ConnObject[] values = new ConnObject[SLOTS];

  /**
   * Returns the connection object of the readable bytes of {@code buf}, parsed or remembered.
   *
   * @param buf the JSON text; its indices are not moved
   * @return the connection object
   * @throws io.netty.handler.codec.CorruptedFrameException as {@link ConnObject#parse} does
   */
  ConnObject parse(ByteBuf buf) {
    int length = buf.readableBytes();
    if (length == 0 || length > MAX_CACHED_LENGTH) {
      return ConnObject.parse(buf);
    }
    int hash = ByteBufUtil.hashCode(buf);
    int slot = hash & (SLOTS - 1);
    ByteBuf key = keys[slot];
    if (key != null
        && hashes[slot] == hash
        && key.readableBytes() == length
        && ByteBufUtil.equals(key, 0, buf, buf.readerIndex(), length)) {
      return values[slot];
    }
    ConnObject conn = ConnObject.parse(buf);
    if (conn.isShareable()) {
      keys[slot] = Unpooled.wrappedBuffer(ByteBufUtil.getBytes(buf));
      hashes[slot] = hash;
      values[slot] = conn;
    }
    return conn;
  }
}
