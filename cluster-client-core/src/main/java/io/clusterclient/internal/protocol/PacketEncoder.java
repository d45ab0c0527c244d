package io.clusterclient.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes {@link Packet}s into bytes.
 *
 * <p>Writes the header and the connection object into one exactly sized buffer; an application
 * object of up to {@value #INLINE_APP_LIMIT} bytes is copied into it too (one buffer per packet),
 * a larger one is passed on as a second buffer, so large payloads are never copied. Refuses (with an
 * {@link EncoderException}, failing the write) a connection object longer than {@link
 * PacketDecoder#MAX_CONN_LENGTH}, which every peer of this project would reject by closing the
 * connection.
 *
 * <p>Thread-safe and {@link Sharable}: it holds only where it counts bytes.
 */
@Sharable
public final class PacketEncoder extends MessageToMessageEncoder<Packet> {
  /** Application objects up to this size travel in the header's buffer. */
  static final int INLINE_APP_LIMIT = 2048;

  private final TrafficSink traffic;

  /** Creates an encoder that counts nothing; one instance may serve every channel. */
  public PacketEncoder() {
    this(TrafficSink.NONE);
  }

  /**
   * Creates an encoder that counts the bytes of each packet it encodes.
   *
   * @param traffic where to count them
   */
  public PacketEncoder(TrafficSink traffic) {
    super(Packet.class);
    this.traffic = traffic;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Packet packet, List<Object> out) {
    byte[] conn = packet.conn().toJsonBytes();
    if (conn.length > PacketDecoder.MAX_CONN_LENGTH) {
      throw new EncoderException(
          "connection object of "
              + conn.length
              + " bytes exceeds the limit of "
              + PacketDecoder.MAX_CONN_LENGTH
              + " bytes, which peers reject");
    }
    ByteBuf app = packet.app();
    int appLength = app.readableBytes();
    int headerAndConn = Packet.HEADER_LENGTH + conn.length;
    // A small application object is copied in with the header: one buffer, one write, no promise
    // combining; a large one follows as a buffer of its own, never copied.
    boolean inline = appLength <= INLINE_APP_LIMIT;
    int size = inline ? headerAndConn + appLength : headerAndConn;
    ByteBuf head = ctx.alloc().buffer(size, size);
    head.writeByte(Packet.VERSION)
        .writeByte(packet.isResponse() ? 1 : 0)
        .writeShort(0)
        .writeLong(packet.id())
        .writeInt(packet.timeout())
        .writeInt(conn.length)
        .writeInt(appLength)
        .writeBytes(conn);
    traffic.bytesOut(headerAndConn + appLength);
    if (inline) {
      head.writeBytes(app, app.readerIndex(), appLength);
      out.add(head);
      return;
    }
    out.add(head);
    if (appLength > 0) {
      // The encoder releases the packet after encode; a duplicate keeps the caller's reader index.
      out.add(app.retainedDuplicate());
    }
  }
}
