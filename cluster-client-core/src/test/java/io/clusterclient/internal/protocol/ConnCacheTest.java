package io.clusterclient.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ConnCacheTest {
  private final ConnCache cache = new ConnCache();
  private final List<ByteBuf> buffers = new ArrayList<>();

  @AfterEach
  void releaseBuffers() {
    buffers.forEach(ByteBuf::release);
  }

  private ByteBuf bytes(String json) {
    // A direct buffer with a non-zero reader index, as a slice of a decoder's cumulation would be.
    byte[] text = json.getBytes(StandardCharsets.UTF_8);
    ByteBuf buf = Unpooled.directBuffer(text.length + 3).writeBytes(new byte[] {9, 9, 9}).writeBytes(text);
    buffers.add(buf);
    return buf.skipBytes(3);
  }

  @Test
  void theSameBytesGiveTheSameObjectWithoutParsingAgain() {
    String json = ConnObject.invoke("echo", 1, false, "echo(java.lang.String)").toJsonText();
    ConnObject first = cache.parse(bytes(json));
    ConnObject second = cache.parse(bytes(json));
    assertThat(second).isSameAs(first);
    assertThat(second.method()).isEqualTo("echo");
    assertThat(second.argLength()).isEqualTo(1);
  }

  @Test
  void differentBytesAreParsedOnTheirOwn() {
    ConnObject ok = cache.parse(bytes("{\"type\":\"invoke_result\",\"success\":true}"));
    ConnObject failed = cache.parse(bytes("{\"type\":\"invoke_result\",\"success\":false}"));
    assertThat(ok.success()).isTrue();
    assertThat(failed.success()).isFalse();
    // Many distinct objects (more than the slots) still parse right, and the first is still right.
    for (int i = 0; i < 500; i++) {
      assertThat(cache.parse(bytes("{\"type\":\"subscribe_result\",\"key\":\"k" + i + "\"}")).key())
          .isEqualTo("k" + i);
    }
    assertThat(cache.parse(bytes("{\"type\":\"invoke_result\",\"success\":true}")).success()).isTrue();
  }

  @Test
  void objectsWithARegAreNeverShared() {
    String json =
        ConnObject.subscribe("{\"dataId\":\"a\"}", JsonNodeFactory.instance.objectNode().put("dataId", "a"))
            .toJsonText();
    ConnObject first = cache.parse(bytes(json));
    ConnObject second = cache.parse(bytes(json));
    assertThat(second).isNotSameAs(first);
    assertThat(second.reg()).isNotSameAs(first.reg()).isEqualTo(first.reg());
  }

  @Test
  void malformedBytesStillFailEveryTime() {
    assertThatThrownBy(() -> cache.parse(bytes("{\"type\":"))).isInstanceOf(CorruptedFrameException.class);
    assertThatThrownBy(() -> cache.parse(bytes("{\"type\":"))).isInstanceOf(CorruptedFrameException.class);
    assertThatThrownBy(() -> cache.parse(bytes("{\"argLength\":-1}"))).isInstanceOf(CorruptedFrameException.class);
  }

  @Test
  void theIndicesOfTheBufferDoNotMove() {
    ByteBuf buf = bytes("{\"type\":\"heartbeat\"}");
    int reader = buf.readerIndex();
    cache.parse(buf);
    cache.parse(buf);
    assertThat(buf.readerIndex()).isEqualTo(reader);
  }
}
