package io.clusterclient.internal.protocol;

import static io.clusterclient.internal.protocol.Frames.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class PacketDecoderTest {
  private static final int MAX_FRAME = 4 << 20;

  private final EmbeddedChannel channel = new EmbeddedChannel(new PacketDecoder(MAX_FRAME));
  private final List<ByteBuf> written = new ArrayList<>();

  @AfterEach
  void nothingIsLeaked() {
    channel.finishAndReleaseAll();
    for (ByteBuf buf : written) {
      assertThat(buf.refCnt()).as("the decoder released its input").isZero();
    }
  }

  @Test
  void aWrongVersionIsRefusedAsNotThisProtocol() {
    assertRefused(
        Frames.header(2, 0, 1, 3000, 2, 0).writeBytes(utf8("{}")),
        CorruptedFrameException.class,
        "unsupported protocol version 2 (expected 1): the peer does not speak cluster-client");
  }

  @Test
  void anHttpRequestIsRefusedAsNotThisProtocol() {
    ByteBuf http = Frames.hex("474554202f20485454502f312e310d0a486f73743a20610d0a0d0a");

    assertRefused(http, CorruptedFrameException.class, "unsupported protocol version 71");
  }

  @Test
  void aRequestResponseByteOtherThanZeroOrOneIsRefused() {
    assertRefused(
        Frames.header(1, 2, 1, 3000, 2, 0).writeBytes(utf8("{}")),
        CorruptedFrameException.class,
        "invalid request/response flag 2");
  }

  @Test
  void aNegativeConnectionObjectLengthIsRefused() {
    assertRefused(
        Frames.header(1, 0, 1, 3000, -1, 0),
        CorruptedFrameException.class,
        "negative connection object length -1");
  }

  @Test
  void aNegativeApplicationObjectLengthIsRefused() {
    assertRefused(
        Frames.header(1, 0, 1, 3000, 2, Integer.MIN_VALUE),
        CorruptedFrameException.class,
        "negative application object length -2147483648");
  }

  @Test
  void aConnectionObjectOverOneMebibyteIsRefusedAsSoonAsTheHeaderIsIn() {
    assertRefused(
        Frames.header(1, 0, 1, 3000, (1 << 20) + 1, 0),
        TooLongFrameException.class,
        "connection object of 1048577 bytes exceeds the limit of 1048576 bytes");
  }

  @Test
  void theConnectionObjectLimitIsNeverAboveMaxFrameLength() {
    EmbeddedChannel small = new EmbeddedChannel(new PacketDecoder(100));
    try {
      assertThatThrownBy(() -> small.writeInbound(Frames.header(1, 0, 1, 3000, 101, 0)))
          .isInstanceOf(TooLongFrameException.class)
          .hasMessageContaining("connection object of 101 bytes exceeds the limit of 100 bytes");
    } finally {
      small.finishAndReleaseAll();
    }
  }

  @Test
  void aFrameOverMaxFrameLengthIsRefusedBeforeItsBodyArrives() {
    // Only the header is ever sent: the decoder must decide from it alone, without waiting for
    // (or buffering) the announced gigabyte.
    assertRefused(
        Frames.header(1, 0, 1, 3000, 20, 1 << 30),
        TooLongFrameException.class,
        "frame of 1073741868 bytes exceeds maxFrameLength 4194304; raise maxFrameLength on every"
            + " process if this is legitimate");
  }

  @Test
  void lengthsWhoseSumOverflowsAnIntAreStillTooLong() {
    EmbeddedChannel huge = new EmbeddedChannel(new PacketDecoder(Integer.MAX_VALUE));
    try {
      assertThatThrownBy(
              () -> huge.writeInbound(Frames.header(1, 0, 1, 3000, 1 << 20, Integer.MAX_VALUE)))
          .isInstanceOf(TooLongFrameException.class)
          .hasMessageContaining("frame of 2148532247 bytes exceeds maxFrameLength 2147483647");
    } finally {
      huge.finishAndReleaseAll();
    }
  }

  @Test
  void aFrameOfExactlyMaxFrameLengthIsAccepted() {
    EmbeddedChannel exact = new EmbeddedChannel(new PacketDecoder(24 + 2 + 10));
    try {
      exact.writeInbound(Frames.frame(0, 1, 3000, "{}", new byte[10]));
      Packet packet = exact.readInbound();
      assertThat(packet.app().readableBytes()).isEqualTo(10);
      packet.release();
    } finally {
      exact.finishAndReleaseAll();
    }
  }

  @Test
  void malformedJsonIsRefused() {
    assertRefused(
        Frames.frame(0, 1, 3000, "{\"type\":", new byte[0]),
        CorruptedFrameException.class,
        "malformed connection object JSON");
  }

  @Test
  void invalidUtf8IsRefused() {
    byte[] conn = {'{', '"', 't', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'};

    assertRefused(
        Frames.frame(0, 1, 3000, conn, new byte[0]),
        CorruptedFrameException.class,
        "malformed connection object JSON");
  }

  @Test
  void trailingGarbageAfterTheJsonObjectIsRefused() {
    assertRefused(
        Frames.frame(0, 1, 3000, "{\"type\":\"heartbeat\"} x", new byte[0]),
        CorruptedFrameException.class,
        "malformed connection object JSON");
  }

  @Test
  void jsonThatIsNotAnObjectIsRefused() {
    assertRefused(
        Frames.frame(0, 1, 3000, "[\"heartbeat\"]", new byte[0]),
        CorruptedFrameException.class,
        "connection object is not a JSON object but array [\"heartbeat\"]");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"type\":\"invoke\",\"method\":\"m\",\"argLength\":\"abc\",\"oneway\":false}"
            + "|member \"argLength\" must be an integer from 0 to 255 but is string \"abc\"",
        "{\"type\":\"invoke\",\"method\":\"m\",\"argLength\":-1,\"oneway\":false}"
            + "|member \"argLength\" must be an integer from 0 to 255 but is number -1",
        "{\"type\":\"invoke\",\"method\":\"m\",\"argLength\":256,\"oneway\":false}"
            + "|member \"argLength\" must be an integer from 0 to 255 but is number 256",
        "{\"type\":\"invoke\",\"method\":\"m\",\"argLength\":1.5,\"oneway\":false}"
            + "|member \"argLength\" must be an integer from 0 to 255 but is number 1.5",
        "{\"type\":\"invoke\",\"method\":\"m\",\"argLength\":99999999999999999999}"
            + "|member \"argLength\" must be an integer",
        "{\"type\":\"invoke\",\"method\":\"m\",\"argLength\":1,\"oneway\":\"yes\"}"
            + "|member \"oneway\" must be a boolean but is string \"yes\"",
        "{\"type\":\"invoke_result\",\"success\":1}|member \"success\" must be a boolean",
        "{\"type\":7}|member \"type\" must be a string but is number 7",
        "{\"type\":\"invoke\",\"method\":{\"a\":1}}|member \"method\" must be a string but is"
            + " object",
        "{\"type\":\"register_channel\",\"channelName\":[]}|member \"channelName\" must be a"
            + " string",
        "{\"type\":\"subscribe\",\"key\":false}|member \"key\" must be a string",
        "{\"type\":\"invoke\",\"sig\":1}|member \"sig\" must be a string",
      })
  void aKnownMemberOfTheWrongJsonTypeIsRefused(String conn, String message) {
    assertRefused(
        Frames.frame(0, 1, 3000, conn, new byte[0]), CorruptedFrameException.class, message);
  }

  @Test
  void anOverlongMemberIsNotEchoedInFullInTheMessage() {
    String conn =
        "{\"type\":\"" + "x".repeat(10_000) + "\",\"argLength\":\"" + "y".repeat(10_000) + "\"}";

    assertThatThrownBy(() -> write(Frames.frame(0, 1, 3000, conn, new byte[0])))
        .isInstanceOf(CorruptedFrameException.class)
        .message()
        .hasSizeLessThan(200);
  }

  @Test
  void unknownMembersAndExplicitNullsAreIgnored() {
    write(
        Frames.frame(
            0,
            1,
            3000,
            "{\"type\":\"heartbeat\",\"extra\":{\"nested\":[1,2]},\"method\":null,\"future\":true}",
            new byte[0]));

    Packet packet = channel.readInbound();
    assertThat(packet.conn()).isEqualTo(ConnObject.heartbeat());
    packet.release();
  }

  @Test
  void nestingBeyondTheLimitIsRefused() {
    String deep = "[".repeat(Wire.MAX_NESTING_DEPTH) + "]".repeat(Wire.MAX_NESTING_DEPTH);

    assertRefused(
        Frames.frame(
            0, 1, 3000, "{\"type\":\"subscribe\",\"key\":\"k\",\"reg\":" + deep + "}", new byte[0]),
        CorruptedFrameException.class,
        "nesting depth");
  }

  @Test
  void aRegAsDeepAsTheFactoryAllowsIsAccepted() throws Exception {
    int depth = Wire.MAX_NESTING_DEPTH - 1;
    String deep = "[".repeat(depth) + "]".repeat(depth);
    ConnObject conn = ConnObject.subscribe("k", Wire.mapper().readTree(deep));

    write(Frames.frame(0, 1, 3000, conn.toJsonBytes(), new byte[0]));

    Packet packet = channel.readInbound();
    assertThat(packet.conn()).isEqualTo(conn);
    packet.release();
  }

  @Test
  void afterAnErrorEvenValidFramesYieldNoPacket() {
    ByteBuf good = Frames.frame(0, 2, 3000, "{\"type\":\"heartbeat\"}", new byte[0]);
    ByteBuf bad = Frames.header(9, 0, 1, 3000, 0, 0);

    assertThatThrownBy(() -> write(bad.writeBytes(good.duplicate())))
        .isInstanceOf(CorruptedFrameException.class);
    assertThat(write(good)).isFalse();
    assertThat(write(Frames.frame(0, 3, 3000, "{\"type\":\"heartbeat\"}", new byte[0]))).isFalse();
    assertThat(channel.<Object>readInbound()).isNull();
  }

  @Test
  void anErrorInTheBodyAlsoStopsDecoding() {
    ByteBuf bad = Frames.frame(0, 1, 3000, "{oops", new byte[0]);
    ByteBuf good = Frames.frame(0, 2, 3000, "{\"type\":\"heartbeat\"}", new byte[0]);

    assertThatThrownBy(() -> write(bad.writeBytes(good)))
        .isInstanceOf(CorruptedFrameException.class);
    assertThat(channel.<Object>readInbound()).isNull();
    good.release();
  }

  @Test
  void aMaxFrameLengthSmallerThanTheHeaderIsRejected() {
    assertThatThrownBy(() -> new PacketDecoder(23))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("smaller than the header");
  }

  @Test
  void aLargeFrameArrivingInPiecesIsGatheredWithoutCopyingAndArrivesWhole() {
    byte[] conn = utf8("{\"type\":\"invoke_result\",\"success\":true}");
    byte[] app = new byte[900 << 10];
    for (int i = 0; i < app.length; i++) {
      app[i] = (byte) (i * 31 + 7);
    }
    ByteBuf head = Frames.header(1, 1, 5, 3000, conn.length, app.length).writeBytes(conn);
    assertThat(write(head)).isFalse();
    for (int off = 0; off < app.length; off += 64 << 10) {
      int n = Math.min(64 << 10, app.length - off);
      write(Unpooled.wrappedBuffer(app, off, n));
    }
    Packet packet = channel.readInbound();
    try {
      assertThat(packet.id()).isEqualTo(5);
      assertThat(ByteBufUtil.getBytes(packet.app())).isEqualTo(app);
      // A view of the buffers the pieces came in, not a copy of them.
      boolean composite = false;
      for (ByteBuf b = packet.app(); b != null; b = b.unwrap()) {
        composite |= b instanceof io.netty.buffer.CompositeByteBuf;
      }
      assertThat(composite).as("the payload is a view of a composite buffer").isTrue();
    } finally {
      packet.release();
    }
    write(Frames.frame(1, 6, 3000, "{\"type\":\"heartbeat_res\"}", new byte[0]));
    Packet small = channel.readInbound();
    assertThat(small.id()).isEqualTo(6);
    small.release();
  }

  @Test
  void aFrameTrickledByteByByteIsCopiedInsteadOfKeptInPieces() throws Exception {
    byte[] conn = utf8("{\"type\":\"invoke_result\",\"success\":true}");
    byte[] app = new byte[40 << 10];
    for (int i = 0; i < app.length; i++) {
      app[i] = (byte) (i * 17 + 3);
    }
    write(Frames.header(1, 1, 9, 3000, conn.length, app.length).writeBytes(conn));
    java.lang.reflect.Method internal =
        io.netty.handler.codec.ByteToMessageDecoder.class.getDeclaredMethod("internalBuffer");
    internal.setAccessible(true);
    PacketDecoder decoder = channel.pipeline().get(PacketDecoder.class);
    for (int i = 0; i < app.length; i++) {
      // Not through write(): 40,000 one-byte buffers need not be remembered one by one.
      assertThat(channel.writeInbound(Unpooled.wrappedBuffer(app, i, 1))).isEqualTo(i == app.length - 1);
      if (i == app.length / 2) {
        ByteBuf held = (ByteBuf) internal.invoke(decoder);
        int pieces = held instanceof io.netty.buffer.CompositeByteBuf
            ? ((io.netty.buffer.CompositeByteBuf) held).numComponents()
            : 1;
        assertThat(pieces).as("buffers held for 20,000 one-byte reads").isLessThan(100);
      }
    }
    Packet packet = channel.readInbound();
    try {
      assertThat(packet.id()).isEqualTo(9);
      assertThat(ByteBufUtil.getBytes(packet.app())).isEqualTo(app);
    } finally {
      packet.release();
    }
  }

  @Test
  void aHeaderAloneNeverReservesItsFrameFarAheadOfTheBytesReceived() {
    EmbeddedChannel big = new EmbeddedChannel(new PacketDecoder(64 << 20));
    ByteBuf head = Frames.header(1, 0, 1, 3000, 2, 32 << 20).writeBytes(utf8("{}"));
    written.add(head);
    assertThat(big.writeInbound(head)).isFalse();
    assertThat(head.capacity()).as("room reserved for a 32 MiB frame after 26 bytes").isLessThan(2 << 20);
    big.finishAndReleaseAll();
  }

  private void assertRefused(ByteBuf input, Class<? extends Exception> type, String message) {
    assertThatThrownBy(() -> write(input)).isInstanceOf(type).hasMessageContaining(message);
    assertThat(channel.<Object>readInbound()).isNull();
    // Whatever follows the bad frame is discarded, even a valid frame.
    assertThat(write(Frames.frame(0, 2, 3000, "{\"type\":\"heartbeat\"}", new byte[0]))).isFalse();
    assertThat(channel.<Object>readInbound()).isNull();
  }

  private boolean write(ByteBuf buf) {
    written.add(buf);
    return channel.writeInbound(buf);
  }
}
