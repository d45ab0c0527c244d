package io.clusterclient.internal.protocol;

import static io.clusterclient.internal.protocol.Frames.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ConnObjectTest {
  @Test
  void everyFactoryWritesTheMembersInTheOrderTheOriginalWrites() throws Exception {
    JsonNode reg = Wire.mapper().readTree("{\"dataId\":\"a.b\",\"group\":\"G\"}");
    String key = "$$inner$$__{\"dataId\":\"a.b\",\"group\":\"G\"}";

    assertThat(ConnObject.registerChannel("Demo").toJsonText())
        .isEqualTo("{\"type\":\"register_channel\",\"channelName\":\"Demo\"}");
    assertThat(ConnObject.registerChannelRes().toJsonText())
        .isEqualTo("{\"type\":\"register_channel_res\"}");
    assertThat(ConnObject.heartbeat().toJsonText()).isEqualTo("{\"type\":\"heartbeat\"}");
    assertThat(ConnObject.heartbeatRes().toJsonText()).isEqualTo("{\"type\":\"heartbeat_res\"}");
    assertThat(ConnObject.invoke("echo", 2, true, null).toJsonText())
        .isEqualTo("{\"type\":\"invoke\",\"method\":\"echo\",\"argLength\":2,\"oneway\":true}");
    assertThat(ConnObject.invokeResult(false).toJsonText())
        .isEqualTo("{\"type\":\"invoke_result\",\"success\":false}");
    assertThat(ConnObject.subscribe(key, reg).toJsonText())
        .isEqualTo(
            "{\"type\":\"subscribe\",\"key\":\"$$inner$$__{\\\"dataId\\\":\\\"a.b\\\","
                + "\\\"group\\\":\\\"G\\\"}\",\"reg\":{\"dataId\":\"a.b\",\"group\":\"G\"}}");
    assertThat(ConnObject.unSubscribe(key, reg).toJsonText())
        .startsWith("{\"type\":\"unSubscribe\",\"key\":");
    assertThat(ConnObject.subscribeResult("k").toJsonText())
        .isEqualTo("{\"type\":\"subscribe_result\",\"key\":\"k\"}");
    assertThat(ConnObject.subscribeResultRes().toJsonText())
        .isEqualTo("{\"type\":\"subscribe_result_res\"}");
    assertThat(ConnObject.clusterEvent("tick").toJsonText())
        .isEqualTo("{\"type\":\"cluster_event\",\"key\":\"tick\"}");
    assertThat(ConnObject.parse(io.netty.buffer.Unpooled.wrappedBuffer(
            ConnObject.clusterEvent("tick").toJsonBytes())).key())
        .isEqualTo("tick");
    assertThat(ConnObject.of("x").toJsonText()).isEqualTo("{\"type\":\"x\"}");
    assertThat(ConnObject.of(null).toJsonText()).isEqualTo("{}");
  }

  @Test
  void theJavaSignatureComesLast() {
    assertThat(ConnObject.invoke("get", 1, false, "get(java.lang.String)").toJsonText())
        .isEqualTo(
            "{\"type\":\"invoke\",\"method\":\"get\",\"argLength\":1,\"oneway\":false,"
                + "\"sig\":\"get(java.lang.String)\"}");
  }

  @Test
  void anAbsentRegIsOmittedAndAJsonNullRegIsKept() {
    assertThat(ConnObject.subscribe("k", null).toJsonText())
        .isEqualTo("{\"type\":\"subscribe\",\"key\":\"k\"}");
    assertThat(ConnObject.subscribe("k", NullNode.getInstance()).toJsonText())
        .isEqualTo("{\"type\":\"subscribe\",\"key\":\"k\",\"reg\":null}");
    assertThat(parse("{\"type\":\"subscribe\",\"key\":\"k\",\"reg\":null}").reg())
        .isEqualTo(NullNode.getInstance());
    assertThat(parse("{\"type\":\"subscribe\",\"key\":\"k\"}").reg()).isNull();
  }

  @Test
  void theRegIsCopiedSoLaterChangesToTheCallersNodeDoNotLeakIn() {
    ObjectNode reg = JsonNodeFactory.instance.objectNode().put("a", 1);
    ConnObject conn = ConnObject.subscribe("k", reg);

    reg.put("b", 2);

    assertThat(conn.reg().has("b")).isFalse();
    assertThat(conn.toJsonText()).endsWith("\"reg\":{\"a\":1}}");
  }

  @Test
  void aRegKeepsExactIntegersOnTheWire() throws Exception {
    JsonNode reg = Wire.mapper().readTree("{\"id\":12345678901234567890,\"f\":1e-7}");

    assertThat(ConnObject.subscribe("k", reg).toJsonText())
        .endsWith("\"reg\":{\"id\":12345678901234567890,\"f\":1e-7}}");
  }

  @Test
  void aRegTooDeepForAPeerIsRefusedByTheFactory() {
    ArrayNode reg = JsonNodeFactory.instance.arrayNode();
    for (int depth = 1; depth < Wire.MAX_NESTING_DEPTH; depth++) {
      reg = JsonNodeFactory.instance.arrayNode().add(reg);
    }
    JsonNode tooDeep = reg;

    assertThatThrownBy(() -> ConnObject.subscribe("k", tooDeep))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deeper than 63 levels");
    assertThat(ConnObject.subscribe("k", reg.get(0)).reg()).isEqualTo(reg.get(0));
  }

  @Test
  void invokeRefusesAnArgumentCountNoJavaMethodHas() {
    assertThatThrownBy(() -> ConnObject.invoke("m", 256, false, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ConnObject.invoke("m", -1, false, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ConnObject.invoke("m", 255, false, null).argLength()).isEqualTo(255);
  }

  @Test
  void parsingReadsEveryKnownMemberAndReturnsNullForAbsentOnes() {
    ConnObject conn =
        parse(
            "{\"type\":\"invoke\",\"method\":\"m\",\"argLength\":3,\"oneway\":true,"
                + "\"success\":false,\"channelName\":\"c\",\"key\":\"k\",\"reg\":[1],"
                + "\"sig\":\"s\"}");

    assertThat(conn.type()).isEqualTo("invoke");
    assertThat(conn.method()).isEqualTo("m");
    assertThat(conn.argLength()).isEqualTo(3);
    assertThat(conn.oneway()).isTrue();
    assertThat(conn.success()).isFalse();
    assertThat(conn.channelName()).isEqualTo("c");
    assertThat(conn.key()).isEqualTo("k");
    assertThat(conn.reg().toString()).isEqualTo("[1]");
    assertThat(conn.sig()).isEqualTo("s");

    ConnObject bare = parse("{}");
    assertThat(bare.type()).isNull();
    assertThat(bare.method()).isNull();
    assertThat(bare.argLength()).isNull();
    assertThat(bare.oneway()).isNull();
    assertThat(bare.success()).isNull();
    assertThat(bare.channelName()).isNull();
    assertThat(bare.key()).isNull();
    assertThat(bare.reg()).isNull();
    assertThat(bare.sig()).isNull();
  }

  @Test
  void parsingDoesNotMoveTheBuffersIndicesAndWorksOnDirectBuffers() {
    byte[] json = utf8("{\"type\":\"heartbeat\"}");
    ByteBuf direct = Unpooled.directBuffer().writeBytes(json);
    try {
      assertThat(ConnObject.parse(direct)).isEqualTo(ConnObject.heartbeat());
      assertThat(direct.readerIndex()).isZero();
      assertThat(direct.readableBytes()).isEqualTo(json.length);
    } finally {
      direct.release();
    }
  }

  @Test
  void parsingWhitespaceOnlyIsRefused() {
    assertThatThrownBy(() -> parse("   "))
        .isInstanceOf(CorruptedFrameException.class)
        .hasMessageContaining("not a JSON object");
  }

  @Test
  void nonAsciiTextRoundTripsAsRawUtf8() {
    ConnObject conn = ConnObject.registerChannel("caf\u00e9-\u4e2d\ud83d\ude00");

    assertThat(new String(conn.toJsonBytes(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"type\":\"register_channel\",\"channelName\":\"caf\u00e9-\u4e2d\ud83d\ude00\"}");
    assertThat(parse(conn.toJsonText())).isEqualTo(conn);
  }

  @Test
  void toStringNamesTheMembersPresent() {
    assertThat(ConnObject.invoke("echo", 1, false, null).toString())
        .isEqualTo("ConnObject{type=invoke, method=echo, argLength=1, oneway=false}");
  }

  private static ConnObject parse(String json) {
    ByteBuf buf = Unpooled.wrappedBuffer(utf8(json));
    try {
      return ConnObject.parse(buf);
    } finally {
      buf.release();
    }
  }
}
