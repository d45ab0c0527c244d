package io.clusterclient.internal.protocol;

import static io.clusterclient.internal.protocol.Frames.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clusterclient.internal.codec.JsonCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30)
class PacketCodecTest {
  /**
   * What the original's Packet.encode() writes for request id 1, timeout 3000, conn {"type":
   * "invoke","method":"echo","argLength":1,"oneway":false} and the argument "hi" (captured by
   * running lib/protocol/packet.js under Node.js 20).
   */
  private static final String NODE_INVOKE_REQUEST =
      "01000000000000000000000100000bb80000003e00000008"
          + "7b2274797065223a22696e766f6b65222c226d6574686f64223a226563686f222c226172674c656e677468"
          + "223a312c226f6e65776179223a66616c73657d"
          + "0000000422686922";

  /** The original's response id 1, timeout 3000, conn invoke_result success, app {"a":[1,2]}. */
  private static final String NODE_INVOKE_RESULT =
      "01010000000000000000000100000bb8000000270000000b"
          + "7b2274797065223a22696e766f6b655f726573756c74222c2273756363657373223a747275657d"
          + "7b2261223a5b312c325d7d";

  private final EmbeddedChannel encoder = new EmbeddedChannel(new PacketEncoder());
  private final EmbeddedChannel decoder = new EmbeddedChannel(new PacketDecoder(1 << 20));

  @AfterEach
  void closeChannels() {
    encoder.finishAndReleaseAll();
    decoder.finishAndReleaseAll();
  }

  static Stream<Arguments> everyConnType() {
    ObjectNode reg = JsonNodeFactory.instance.objectNode().put("dataId", "demo").put("n", 1.5);
    String key = Keys.subscriptionKey(reg);
    return Stream.of(
        Arguments.of(false, ConnObject.registerChannel("DemoClient"), ""),
        Arguments.of(true, ConnObject.registerChannelRes(), "{\"success\":true}"),
        Arguments.of(false, ConnObject.heartbeat(), ""),
        Arguments.of(true, ConnObject.heartbeatRes(), ""),
        Arguments.of(
            false, ConnObject.invoke("echo", 1, false, null), "\u0000\u0000\u0000\u0004\"hi\""),
        Arguments.of(false, ConnObject.invoke("get", 0, true, "get()"), ""),
        Arguments.of(true, ConnObject.invokeResult(true), "\"ok\""),
        Arguments.of(true, ConnObject.invokeResult(false), "{\"message\":\"boom\"}"),
        Arguments.of(false, ConnObject.subscribe(key, reg), ""),
        Arguments.of(false, ConnObject.unSubscribe(key, reg), ""),
        Arguments.of(false, ConnObject.subscribeResult(key), "[1,2,3]"),
        Arguments.of(true, ConnObject.subscribeResultRes(), ""),
        Arguments.of(false, ConnObject.of("some_future_type"), ""),
        Arguments.of(false, ConnObject.of(null), ""));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("everyConnType")
  void everyConnTypeSurvivesTheEncoderAndTheDecoder(boolean response, ConnObject conn, String app) {
    long id = (1L << 40) + 7;
    ByteBuf appBuf = Unpooled.copiedBuffer(utf8(app));
    Packet sent =
        response ? Packet.response(id, 3000, conn, appBuf) : Packet.request(id, 3000, conn, appBuf);

    List<ByteBuf> wire = new ArrayList<>();
    Packet received = roundTrip(sent, wire);
    try {
      assertThat(received.isResponse()).isEqualTo(response);
      assertThat(received.id()).isEqualTo(id);
      assertThat(received.timeout()).isEqualTo(3000);
      assertThat(received.conn()).isEqualTo(conn);
      assertThat(received.conn().toJsonText()).isEqualTo(conn.toJsonText());
      assertThat(ByteBufUtil.getBytes(received.app())).isEqualTo(utf8(app));
    } finally {
      received.release();
    }
    if (app.isEmpty()) {
      assertThat(received.app()).isSameAs(Unpooled.EMPTY_BUFFER);
    } else {
      assertThat(received.refCnt()).isZero();
      assertThat(appBuf.refCnt()).as("the encoder released the sent packet").isZero();
    }
    assertThat(decoder.finishAndReleaseAll()).isFalse();
    for (ByteBuf buf : wire) {
      assertThat(buf.refCnt()).as("nothing of what went over the wire is still held").isZero();
    }
  }

  @Test
  void anEncodedInvokeRequestIsByteForByteWhatTheOriginalWrites() throws Exception {
    ByteBuf args =
        InvokeArgs.encode(
            ByteBufAllocator.DEFAULT,
            1,
            (i, out) -> JsonCodec.shared().encode("hi", String.class, out));
    encoder.writeOutbound(Packet.request(1, 3000, ConnObject.invoke("echo", 1, false, null), args));

    assertThat(HexFormat.of().formatHex(Frames.drainOutbound(encoder)))
        .isEqualTo(NODE_INVOKE_REQUEST);
    assertThat(args.refCnt()).isZero();
  }

  @Test
  void anEncodedInvokeResultIsByteForByteWhatTheOriginalWrites() {
    encoder.writeOutbound(
        Packet.response(
            1, 3000, ConnObject.invokeResult(true), Unpooled.copiedBuffer(utf8("{\"a\":[1,2]}"))));

    assertThat(HexFormat.of().formatHex(Frames.drainOutbound(encoder)))
        .isEqualTo(NODE_INVOKE_RESULT);
  }

  @Test
  void bytesTheOriginalWritesDecodeToTheSamePacket() {
    decoder.writeInbound(Frames.hex(NODE_INVOKE_REQUEST));
    Packet packet = decoder.readInbound();
    try {
      assertThat(packet.isResponse()).isFalse();
      assertThat(packet.id()).isEqualTo(1);
      assertThat(packet.timeout()).isEqualTo(3000);
      assertThat(packet.conn()).isEqualTo(ConnObject.invoke("echo", 1, false, null));
      List<ByteBuf> args = InvokeArgs.split(packet.app(), packet.conn().argLength());
      assertThat(args).hasSize(1);
      assertThat(args.get(0).toString(StandardCharsets.UTF_8)).isEqualTo("\"hi\"");
    } finally {
      packet.release();
    }
  }

  @Test
  void aFrameArrivingOneByteAtATimeDecodesOnceComplete() {
    ByteBuf frame = Frames.hex(NODE_INVOKE_RESULT);
    byte[] bytes = ByteBufUtil.getBytes(frame);
    frame.release();

    for (int i = 0; i < bytes.length - 1; i++) {
      assertThat(decoder.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[i]})))
          .as("no packet before byte %d of %d", i + 1, bytes.length)
          .isFalse();
    }
    assertThat(decoder.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[bytes.length - 1]})))
        .isTrue();

    Packet packet = decoder.readInbound();
    try {
      assertThat(packet.conn()).isEqualTo(ConnObject.invokeResult(true));
      assertThat(packet.app().toString(StandardCharsets.UTF_8)).isEqualTo("{\"a\":[1,2]}");
    } finally {
      packet.release();
    }
    assertThat(decoder.<Object>readInbound()).isNull();
  }

  @Test
  void twoFramesInOneReadDecodeToTwoPackets() {
    ByteBuf both =
        Unpooled.wrappedBuffer(Frames.hex(NODE_INVOKE_REQUEST), Frames.hex(NODE_INVOKE_RESULT));
    decoder.writeInbound(both);

    Packet first = decoder.readInbound();
    Packet second = decoder.readInbound();
    try {
      assertThat(first.conn().type()).isEqualTo(ConnObject.INVOKE);
      assertThat(second.conn().type()).isEqualTo(ConnObject.INVOKE_RESULT);
      assertThat(second.isResponse()).isTrue();
    } finally {
      first.release();
      second.release();
    }
    assertThat(decoder.<Object>readInbound()).isNull();
    assertThat(decoder.finishAndReleaseAll()).isFalse();
    assertThat(both.refCnt()).isZero();
  }

  @Test
  void theDecodedAppObjectIsAZeroCopySliceThatDiesWithThePacket() {
    ByteBuf input = Frames.hex(NODE_INVOKE_RESULT);
    decoder.writeInbound(input);
    Packet packet = decoder.readInbound();

    assertThat(packet.app().unwrap()).as("a slice of the received bytes, not a copy").isNotNull();
    assertThat(packet.refCnt()).isEqualTo(1);
    assertThat(packet.release()).isTrue();
    assertThat(packet.app().refCnt()).isZero();
    assertThat(decoder.finishAndReleaseAll()).isFalse();
    assertThat(input.refCnt()).isZero();
  }

  @Test
  void aPacketWithoutAppObjectCarriesTheEmptyBuffer() {
    decoder.writeInbound(Frames.frame(0, 5, 100, "{\"type\":\"heartbeat\"}", new byte[0]));
    Packet packet = decoder.readInbound();

    assertThat(packet.app()).isSameAs(Unpooled.EMPTY_BUFFER);
    assertThat(packet.conn()).isEqualTo(ConnObject.heartbeat());
    packet.release();
  }

  @Test
  void anEmptyConnectionObjectDecodesAsAnObjectWithoutType() {
    decoder.writeInbound(Frames.frame(0, 5, 100, new byte[0], utf8("x")));
    Packet packet = decoder.readInbound();

    assertThat(packet.conn()).isEqualTo(ConnObject.of(null));
    assertThat(packet.conn().type()).isNull();
    packet.release();
  }

  @Test
  void theEncoderWritesHeaderAndConnIntoOneExactBufferAndPassesTheAppObjectWithoutCopying() {
    ByteBuf app = Unpooled.wrappedBuffer(new byte[64 * 1024]);
    Packet packet = Packet.request(9, 3000, ConnObject.subscribeResult("k"), app).retain();

    encoder.writeOutbound(packet);
    ByteBuf head = encoder.readOutbound();
    ByteBuf body = encoder.readOutbound();
    try {
      byte[] conn = utf8("{\"type\":\"subscribe_result\",\"key\":\"k\"}");
      assertThat(head.readableBytes()).isEqualTo(Packet.HEADER_LENGTH + conn.length);
      assertThat(head.capacity()).isEqualTo(head.readableBytes());
      assertThat(head.getInt(16)).isEqualTo(conn.length);
      assertThat(head.getInt(20)).isEqualTo(64 * 1024);
      assertThat(body.hasArray()).isTrue();
      assertThat(body.array()).as("the same memory, not a copy").isSameAs(app.array());
      assertThat(app.readerIndex()).as("the caller's reader index is untouched").isZero();
    } finally {
      head.release();
      body.release();
    }
    assertThat(app.refCnt()).as("only the test's own retain is left").isEqualTo(1);
    packet.release();
    assertThat(encoder.<Object>readOutbound()).isNull();
  }

  @Test
  void aPacketWithoutAppObjectEncodesAsOneBuffer() {
    encoder.writeOutbound(Packet.request(3, 3000, ConnObject.heartbeat(), null));

    ByteBuf only = encoder.readOutbound();
    assertThat(only.readableBytes()).isEqualTo(24 + "{\"type\":\"heartbeat\"}".length());
    assertThat(only.getInt(20)).isZero();
    only.release();
    assertThat(encoder.<Object>readOutbound()).isNull();
  }

  @Test
  void theEncoderRefusesAConnectionObjectNoPeerWouldAccept() {
    String hugeKey = "k".repeat(PacketDecoder.MAX_CONN_LENGTH);
    ByteBuf app = Unpooled.copiedBuffer(utf8("1"));

    assertThatThrownBy(
            () ->
                encoder.writeOutbound(
                    Packet.request(1, 3000, ConnObject.subscribeResult(hugeKey), app)))
        .isInstanceOf(EncoderException.class)
        .hasMessageContaining("exceeds the limit of 1048576 bytes");
    assertThat(app.refCnt()).isZero();
    assertThat(encoder.<Object>readOutbound()).isNull();
  }

  @Test
  void packetToStringShowsIdTypeAndConnButNeverTheAppBytes() {
    Packet packet =
        Packet.response(
            42, 3000, ConnObject.invokeResult(true), Unpooled.copiedBuffer(utf8("\"secret\"")));

    assertThat(packet.toString())
        .contains("id=42", "response", "invoke_result", "8 bytes")
        .doesNotContain("secret");
    packet.release();
  }

  @Test
  void packetReferenceCountIsTheAppBuffers() {
    ByteBuf app = Unpooled.copiedBuffer(utf8("x"));
    Packet packet = Packet.request(1, 1, ConnObject.heartbeat(), app);

    assertThat(packet.retain()).isSameAs(packet);
    assertThat(app.refCnt()).isEqualTo(2);
    assertThat(packet.touch("hint")).isSameAs(packet);
    assertThat(packet.release()).isFalse();
    assertThat(packet.release()).isTrue();
    assertThat(app.refCnt()).isZero();
  }

  private Packet roundTrip(Packet sent, List<ByteBuf> wire) {
    assertThat(encoder.writeOutbound(sent)).isTrue();
    for (ByteBuf buf = encoder.readOutbound(); buf != null; buf = encoder.readOutbound()) {
      wire.add(buf);
    }
    for (ByteBuf buf : wire) {
      decoder.writeInbound(buf);
    }
    Packet received = decoder.readInbound();
    assertThat(received).isNotNull();
    assertThat(decoder.<Object>readInbound()).isNull();
    return received;
  }
}
