package io.clusterclient.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 100,000 random and mutated frames through the decoder: nothing but a DecoderException ever comes
 * out, no packet is leaked, and no body larger than the frame limit is ever accepted.
 */
@Timeout(120)
class PacketDecoderFuzzTest {
  private static final int MAX_FRAME = 64 * 1024;
  /** 40,000 in the build (a few seconds); {@code -Dfuzz.rounds=1000000} for a longer search. */
  private static final int ROUNDS = Integer.getInteger("fuzz.rounds", 40_000);

  private static byte[] valid(long id, String conn, byte[] app) {
    byte[] c = conn.getBytes(StandardCharsets.UTF_8);
    ByteBuf b = Unpooled.buffer();
    b.writeByte(1).writeByte((int) (id & 1)).writeShort(0).writeLong(id).writeInt(3000);
    b.writeInt(c.length).writeInt(app.length).writeBytes(c).writeBytes(app);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

  @Test
  void randomAndMutatedFramesNeverEscapeAsAnythingButADecoderException() {
    Random random = new Random(20261123L);
    List<byte[]> seeds = new ArrayList<>();
    seeds.add(valid(1, "{\"type\":\"register_channel\",\"channelName\":\"x\"}", new byte[0]));
    seeds.add(valid(2, "{\"type\":\"invoke\",\"method\":\"echo\",\"argLength\":1,\"oneway\":false}",
        new byte[] {0, 0, 0, 4, '"', 'h', 'i', '"'}));
    seeds.add(valid(3, "{\"type\":\"subscribe\",\"key\":\"k\",\"reg\":{\"a\":[1,2,{\"b\":null}]}}", new byte[0]));
    seeds.add(valid(4, "{\"type\":\"invoke_result\",\"success\":true}", "\"ok\"".getBytes(StandardCharsets.UTF_8)));

    int packets = 0;
    int rejected = 0;
    for (int i = 0; i < ROUNDS; i++) {
      byte[] frame;
      if (random.nextInt(4) == 0) {
        frame = new byte[random.nextInt(200)];
        random.nextBytes(frame);
      } else {
        frame = seeds.get(random.nextInt(seeds.size())).clone();
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
          int at = random.nextInt(frame.length);
          frame[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : frame[at] ^ (1 << random.nextInt(8)));
        }
        if (random.nextInt(8) == 0) {
          frame = java.util.Arrays.copyOf(frame, random.nextInt(frame.length + 1));
        }
      }
      Sink sink = new Sink();
      EmbeddedChannel channel = new EmbeddedChannel(new PacketDecoder(MAX_FRAME), sink);
      try {
        // Arrives in random pieces, like TCP delivers it.
        int offset = 0;
        while (offset < frame.length && channel.isOpen()) {
          int n = 1 + random.nextInt(frame.length - offset);
          channel.writeInbound(Unpooled.wrappedBuffer(frame, offset, n));
          offset += n;
        }
        channel.checkException();
      } catch (DecoderException expected) {
        rejected++;
      }
      assertThat(sink.error).as("round %d", i).isNull();
      packets += sink.packets;
      rejected += sink.rejected;
      channel.finishAndReleaseAll();
    }
    assertThat(packets + rejected).as("some frames decode, some are rejected").isPositive();
    assertThat(rejected).isPositive();
    assertThat(packets).isPositive();
    System.out.printf("decoder fuzz: %d frames, %d packets decoded, %d frames rejected%n", ROUNDS, packets, rejected);
  }

  /** Counts and releases packets; records anything that is not a packet. */
  private static final class Sink extends ChannelInboundHandlerAdapter {
    int packets;
    int rejected;
    Throwable error;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Packet) {
        Packet p = (Packet) msg;
        assertThat(p.app().readableBytes()).isLessThanOrEqualTo(MAX_FRAME);
        packets++;
      } else {
        error = new AssertionError("unexpected message " + msg);
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof DecoderException) {
        rejected++;
      } else {
        error = cause;
      }
      ctx.close();
    }
  }
}
