package io.clusterclient.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Decodes bytes into {@link Packet}s.
 *
 * <p>The original decodes whatever lengths it is given; this decoder validates the header before it
 * waits for, or buffers, a single byte of the body, so a bad or hostile peer cannot make it
 * allocate more than {@code maxFrameLength}. It throws {@link TooLongFrameException} for sizes over
 * a limit and {@link CorruptedFrameException} for anything else that is not the protocol. After the
 * first error it discards every further byte: once framing is lost nothing after it can be trusted,
 * and the connection is expected to be closed by the exception handler.
 *
 * <p>The application object of an emitted packet is a retained slice of the received bytes (no
 * copy); whoever consumes the packet releases it. While a frame of 16 KiB or more is incomplete, the
 * reads it arrives in are kept as they are (a composite buffer) rather than copied into one, unless
 * they are small: then they are copied, so that what a peer makes this process hold stays close to
 * what it sent.
 *
 * <p>Not thread-safe, not sharable: one instance per channel, used by its event loop.
 */
public final class PacketDecoder extends ByteToMessageDecoder {
  /** Upper bound of a connection object's length, whatever maxFrameLength is: it is small JSON. */
  public static final int MAX_CONN_LENGTH = 1 << 20;

  /** Frames of at least this many bytes are gathered without copying (composite cumulation). */
  private static final int COMPOSITE_AFTER = 16 << 10;

  /**
   * Past this many reads in one composite, reads must average {@link #MIN_AVERAGE_READ} bytes, else
   * the bytes are copied into one buffer and the frame is finished by copying: every component
   * costs a buffer and its bookkeeping, so a peer trickling a large frame byte by byte would
   * otherwise make each byte it sends cost a few hundred.
   */
  private static final int FEW_COMPONENTS = 64;

  private static final int MIN_AVERAGE_READ = 4 << 10;

  /** Gathers reads without copying while they are large, and falls back to copying when not. */
  private final Cumulator gathering =
      (alloc, cumulation, in) -> {
        ByteBuf out = COMPOSITE_CUMULATOR.cumulate(alloc, cumulation, in);
        if (out instanceof CompositeByteBuf) {
          CompositeByteBuf parts = (CompositeByteBuf) out;
          int n = parts.numComponents();
          if (n > FEW_COMPONENTS && parts.readableBytes() / n < MIN_AVERAGE_READ) {
            parts.consolidate();
            setCumulator(MERGE_CUMULATOR); // for the rest of this frame; composite stays true
          }
        }
        return out;
      };

  private final int maxFrameLength;
  private final int maxConnLength;
  private final TrafficSink traffic;
  private final ConnCache conns = new ConnCache();
  private boolean failed;
  private boolean composite;

  /**
   * Creates a decoder.
   *
   * @param maxFrameLength the largest frame accepted, header included, in bytes
   * @throws IllegalArgumentException if maxFrameLength is smaller than the header
   */
  public PacketDecoder(int maxFrameLength) {
    this(maxFrameLength, TrafficSink.NONE);
  }

  /**
   * Creates a decoder that counts the bytes of each packet it emits.
   *
   * @param maxFrameLength the largest frame accepted, header included, in bytes
   * @param traffic where to count them
   * @throws IllegalArgumentException if maxFrameLength is smaller than the header
   */
  public PacketDecoder(int maxFrameLength, TrafficSink traffic) {
    this.traffic = traffic;
    if (maxFrameLength < Packet.HEADER_LENGTH) {
      throw new IllegalArgumentException(
          "maxFrameLength " + maxFrameLength + " is smaller than the header (24 bytes)");
    }
    this.maxFrameLength = maxFrameLength;
    this.maxConnLength = Math.min(maxFrameLength, MAX_CONN_LENGTH);
  }

  /**
   * Returns the largest frame accepted.
   *
   * @return the limit in bytes, header included
   */
  public int maxFrameLength() {
    return maxFrameLength;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    try {
      Packet packet = decodeOne(in);
      if (packet != null) {
        out.add(packet);
      }
    } catch (DecoderException e) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw e;
    }
  }

  private Packet decodeOne(ByteBuf in) {
    if (in.readableBytes() < Packet.HEADER_LENGTH) {
      return null;
    }
    // Peek, do not consume: until the whole frame is in, the header is read again on every call.
    int start = in.readerIndex();
    int version = in.getUnsignedByte(start);
    if (version != Packet.VERSION) {
      throw new CorruptedFrameException(
          String.format(
              "unsupported protocol version %d (expected %d): the peer does not speak"
                  + " cluster-client",
              version, Packet.VERSION));
    }
    int kind = in.getUnsignedByte(start + 1);
    if (kind != 0 && kind != 1) {
      throw new CorruptedFrameException(
          "invalid request/response flag "
              + kind
              + " (expected 0 for a request, 1 for a response)");
    }
    long id = in.getLong(start + 4);
    int timeout = in.getInt(start + 12);
    int connLength = in.getInt(start + 16);
    int appLength = in.getInt(start + 20);
    if (connLength < 0) {
      throw new CorruptedFrameException("negative connection object length " + connLength);
    }
    if (appLength < 0) {
      throw new CorruptedFrameException("negative application object length " + appLength);
    }
    if (connLength > maxConnLength) {
      throw new TooLongFrameException(
          "connection object of "
              + connLength
              + " bytes exceeds the limit of "
              + maxConnLength
              + " bytes");
    }
    long frameLength = (long) Packet.HEADER_LENGTH + connLength + appLength;
    if (frameLength > maxFrameLength) {
      throw new TooLongFrameException(
          "frame of "
              + frameLength
              + " bytes exceeds maxFrameLength "
              + maxFrameLength
              + "; raise maxFrameLength on every process if this is legitimate");
    }
    long missing = frameLength - in.readableBytes();
    if (missing > 0) {
      if (!composite && frameLength >= COMPOSITE_AFTER) {
        // The rest of a large frame is kept as the buffers it arrives in, not copied into one: no
        // copy of the payload, and nothing allocated ahead of the bytes the peer actually sent.
        setCumulator(gathering);
        composite = true;
      }
      return null;
    }

    traffic.bytesIn((int) frameLength);
    in.skipBytes(Packet.HEADER_LENGTH);
    ConnObject conn = conns.parse(in.slice(in.readerIndex(), connLength));
    in.skipBytes(connLength);
    ByteBuf app = appLength == 0 ? Unpooled.EMPTY_BUFFER : in.readRetainedSlice(appLength);
    if (composite) {
      setCumulator(MERGE_CUMULATOR); // small frames again: contiguous is faster to read
      composite = false;
    }
    return kind == 1
        ? Packet.response(id, timeout, conn, app)
        : Packet.request(id, timeout, conn, app);
  }
}
