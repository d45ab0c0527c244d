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

  @Test
  void stringsAreWrittenAndReadAsTheCodecWouldEvenWhereTheFastPathTakesThem() throws Exception {
    String[] samples = {
      "", "plain ascii 0123 ~!@#$%^&*()", "with \"quotes\"", "back\\slash", "tab\tand\nnewline",
      "\u0000\u001f\u007f", "caf\u00e9 \u4e2d\u6587 \ud83d\ude00", "lone \ud800 surrogate", "x".repeat(5000)
    };
    for (String value : samples) {
      ByteBuf fast = encode(false, value, String.class);
      java.io.ByteArrayOutputStream viaCodec = new java.io.ByteArrayOutputStream();
      JsonCodec.shared().encode(value, String.class, viaCodec);
      // Equal texts where Jackson and the fast path agree; always the same string back.
      assertThat(Values.decode(JsonCodec.shared(), false, fast, String.class)).as(value).isEqualTo(value);
      assertThat(
              Values.decode(
                  JsonCodec.shared(), false, Unpooled.wrappedBuffer(viaCodec.toByteArray()), String.class))
          .as(value)
          .isEqualTo(value);
      if (value.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
        assertThat(fast.toString(StandardCharsets.UTF_8)).isEqualTo(viaCodec.toString(StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void escapedOrPaddedJsonStringsStillDecode() throws Exception {
    assertThat(decodeString("\"a\\nb\"")).isEqualTo("a\nb");
    assertThat(decodeString(" \"padded\" ")).isEqualTo("padded");
    assertThat(decodeString("null")).isNull();
    assertThat(decodeString("")).isNull();
    assertThatThrownBy(() -> decodeString("\"unterminated")).isInstanceOf(java.io.IOException.class);
    assertThatThrownBy(() -> decodeString("\"a\" \"b\"")).isInstanceOf(java.io.IOException.class);
  }

  private static Object decodeString(String json) throws Exception {
    return Values.decode(
        JsonCodec.shared(), false, Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8)), String.class);
  }

  @Test
  void aCodecWithItsOwnMapperKeepsItsOwnStringHandling() throws Exception {
    com.fasterxml.jackson.databind.module.SimpleModule upper = new com.fasterxml.jackson.databind.module.SimpleModule();
    upper.addSerializer(
        String.class,
        new com.fasterxml.jackson.databind.ser.std.StdSerializer<String>(String.class) {
          private static final long serialVersionUID = 1L;

          @Override
          public void serialize(
              String v,
              com.fasterxml.jackson.core.JsonGenerator g,
              com.fasterxml.jackson.databind.SerializerProvider p)
              throws java.io.IOException {
            g.writeString(v.toUpperCase(java.util.Locale.ROOT));
          }
        });
    JsonCodec custom =
        new JsonCodec(com.fasterxml.jackson.databind.json.JsonMapper.builder().addModule(upper).build());
    assertThat(custom.isPlain()).isFalse();
    ByteBuf buf = Unpooled.buffer();
    Values.encode(custom, false, "shout", String.class, new ByteBufOutputStream(buf));
    assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo("\"SHOUT\"");
  }
}
