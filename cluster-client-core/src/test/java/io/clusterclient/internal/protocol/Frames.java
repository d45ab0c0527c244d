package io.clusterclient.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Builds frames by hand, from the header table of PROTOCOL.md, and moves them through channels. */
final class Frames {
  private Frames() {}

  static ByteBuf header(
      int version, int kind, long id, int timeout, int connLength, int appLength) {
    return Unpooled.buffer(Packet.HEADER_LENGTH)
        .writeByte(version)
        .writeByte(kind)
        .writeShort(0)
        .writeLong(id)
        .writeInt(timeout)
        .writeInt(connLength)
        .writeInt(appLength);
  }

  static ByteBuf frame(int kind, long id, int timeout, String connJson, byte[] app) {
    return frame(kind, id, timeout, connJson.getBytes(StandardCharsets.UTF_8), app);
  }

  static ByteBuf frame(int kind, long id, int timeout, byte[] conn, byte[] app) {
    return header(1, kind, id, timeout, conn.length, app.length).writeBytes(conn).writeBytes(app);
  }

  static ByteBuf hex(String hex) {
    return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Reads every outbound buffer of an encoder channel into one array, releasing them. */
  static byte[] drainOutbound(EmbeddedChannel channel) {
    ByteBuf all = Unpooled.buffer();
    try {
      for (ByteBuf buf = channel.readOutbound(); buf != null; buf = channel.readOutbound()) {
        all.writeBytes(buf);
        buf.release();
      }
      return ByteBufUtil.getBytes(all);
    } finally {
      all.release();
    }
  }
}
