package io.clusterclient.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clusterclient.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ValuesTest {
  private static ByteBuf encode(boolean binary, Object value, java.lang.reflect.Type type) throws Exception {
    ByteBuf buf = Unpooled.buffer();
    Values.encode(JsonCodec.shared(), binary, value, type, new ByteBufOutputStream(buf));
    return buf;
  }

  @Test
  void byteArraysAreRawOnlyOnBinaryConnections() throws Exception {
    byte[] data = {1, 2, 3, (byte) 0xff};
    ByteBuf raw = encode(true, data, byte[].class);
    assertThat(raw.readableBytes()).isEqualTo(5);
    assertThat((byte[]) Values.decode(JsonCodec.shared(), true, raw, byte[].class)).containsExactly(data);
    assertThat(raw.readerIndex()).isZero();

    ByteBuf json = encode(false, data, byte[].class);
    assertThat(json.toString(StandardCharsets.UTF_8)).isEqualTo("\"AQID/w==\"");
    assertThat((byte[]) Values.decode(JsonCodec.shared(), false, json, byte[].class)).containsExactly(data);
  }

  @Test
  void nullAndEmptyArraysStayApart() throws Exception {
    assertThat(Values.decode(JsonCodec.shared(), true, encode(true, null, byte[].class), byte[].class)).isNull();
    assertThat((byte[]) Values.decode(JsonCodec.shared(), true, encode(true, new byte[0], byte[].class), byte[].class))
        .isEmpty();
  }

  @Test
  void otherTypesGoThroughTheCodecEvenOnBinaryConnections() throws Exception {
    ByteBuf buf = encode(true, "text", String.class);
    assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo("\"text\"");
    assertThat(Values.decode(JsonCodec.shared(), true, buf, String.class)).isEqualTo("text");
  }

  @Test
  void aBadTagIsAProtocolError() {
    assertThatThrownBy(() -> Values.decode(JsonCodec.shared(), true, Unpooled.wrappedBuffer(new byte[] {7, 1}), byte[].class))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("tag 7");
  }
}
