package io.clusterclient.internal.protocol;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * The handlers every connection of this protocol starts with, leader side and follower side alike.
 *
 * <p>Thread-safe: stateless.
 */
public final class PacketPipeline {
  /**
   * Packets written from other threads are flushed together, once per turn of the event loop (or
   * after this many): one write system call for many packets under load, the same latency idle.
   */
  static final int FLUSH_AFTER_WRITES = 256;

  private PacketPipeline() {}

  /**
   * Adds, at the end of {@code pipeline}, the flush consolidation (first, so that it sees every
   * flush), the {@link PacketDecoder} and the {@link PacketEncoder}.
   *
   * @param pipeline a new channel's pipeline
   * @param maxFrameLength the largest frame accepted, header included
   * @return the pipeline, for more handlers
   */
  public static ChannelPipeline addCodec(ChannelPipeline pipeline, int maxFrameLength) {
    return addCodec(pipeline, maxFrameLength, TrafficSink.NONE);
  }

  /**
   * As {@link #addCodec(ChannelPipeline, int)}, counting the bytes of every packet read and written.
   *
   * @param pipeline a new channel's pipeline
   * @param maxFrameLength the largest frame accepted, header included
   * @param traffic where the codec counts bytes, on the channel's event loop
   * @return the pipeline, for more handlers
   */
  public static ChannelPipeline addCodec(ChannelPipeline pipeline, int maxFrameLength, TrafficSink traffic) {
    return pipeline
        .addLast("flush", new FlushConsolidationHandler(FLUSH_AFTER_WRITES, true))
        .addLast("decoder", new PacketDecoder(maxFrameLength, traffic))
        .addLast("encoder", traffic == TrafficSink.NONE ? new PacketEncoder() : new PacketEncoder(traffic));
  }
}
