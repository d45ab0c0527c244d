package io.clusterclient.internal.protocol;

import static io.clusterclient.internal.protocol.Frames.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class InvokeArgsTest {
  @Test
  void noArgumentsMeansNoApplicationObject() throws Exception {
    ByteBuf app =
        InvokeArgs.encode(
            ByteBufAllocator.DEFAULT,
            0,
            (i, out) -> {
              throw new AssertionError("no argument to write");
            });

    assertThat(app).isSameAs(Unpooled.EMPTY_BUFFER);
    assertThat(InvokeArgs.split(app, 0)).isEmpty();
  }

  @Test
  void oneArgumentIsItsLengthThenItsBytes() throws Exception {
    ByteBuf app =
        InvokeArgs.encode(ByteBufAllocator.DEFAULT, 1, (i, out) -> out.write(utf8("\"hi\"")));
    try {
      assertThat(ByteBufUtil.hexDump(app)).isEqualTo("00000004" + "22686922");
      List<ByteBuf> args = InvokeArgs.split(app, 1);
      assertThat(args).hasSize(1);
      assertThat(args.get(0).toString(StandardCharsets.UTF_8)).isEqualTo("\"hi\"");
    } finally {
      app.release();
    }
  }

  @Test
  void threeArgumentsIncludingAnEmptyOneRoundTrip() throws Exception {
    String[] values = {"1", "", "{\"a\":[true]}"};
    ByteBuf app =
        InvokeArgs.encode(ByteBufAllocator.DEFAULT, 3, (i, out) -> out.write(utf8(values[i])));
    try {
      int readerIndex = app.readerIndex();
      List<ByteBuf> args = InvokeArgs.split(app, 3);

      assertThat(args)
          .extracting(arg -> arg.toString(StandardCharsets.UTF_8))
          .containsExactly(values);
      assertThat(app.readerIndex()).as("split leaves the indices alone").isEqualTo(readerIndex);
      assertThat(app.refCnt()).as("the slices are not retained").isEqualTo(1);
    } finally {
      app.release();
    }
  }

  @Test
  void aLargeArgumentGrowsTheBuffer() throws Exception {
    byte[] big = new byte[300_000];
    big[big.length - 1] = 7;
    ByteBuf app = InvokeArgs.encode(ByteBufAllocator.DEFAULT, 2, (i, out) -> out.write(big));
    try {
      List<ByteBuf> args = InvokeArgs.split(app, 2);
      assertThat(args.get(1).readableBytes()).isEqualTo(big.length);
      assertThat(args.get(1).getByte(big.length - 1)).isEqualTo((byte) 7);
    } finally {
      app.release();
    }
  }

  @Test
  void theBufferIsReleasedWhenTheWriterFails() {
    AtomicReference<ByteBuf> seen = new AtomicReference<>();

    assertThatThrownBy(
            () ->
                InvokeArgs.encode(
                    ByteBufAllocator.DEFAULT,
                    2,
                    (i, out) -> {
                      seen.set(((ByteBufOutputStream) out).buffer());
                      if (i == 1) {
                        throw new IOException("cannot encode argument 1");
                      }
                      out.write('1');
                    }))
        .isInstanceOf(IOException.class)
        .hasMessage("cannot encode argument 1");
    assertThat(seen.get().refCnt()).isZero();
  }

  @Test
  void aLengthPastTheEndIsRefused() {
    assertSplitRefused(
        "0000000a616263", 1, "invoke argument 0 declares 10 bytes but only 3 remain");
  }

  @Test
  void aLengthWithTheHighBitSetIsTooLongNotNegative() {
    assertSplitRefused(
        "ffffffff616263", 1, "invoke argument 0 declares 4294967295 bytes but only 3 remain");
  }

  @Test
  void fewerArgumentsThanDeclaredAreRefused() {
    assertSplitRefused(
        "0000000131",
        2,
        "invoke declares 2 arguments but the application object ends before the"
            + " length of argument 1");
  }

  @Test
  void aTruncatedLengthPrefixIsRefused() {
    assertSplitRefused("000000013100", 2, "ends before the length of argument 1");
  }

  @Test
  void trailingBytesAfterTheDeclaredArgumentsAreRefused() {
    assertSplitRefused(
        "000000013132", 1, "1 bytes left over after the 1 declared invoke arguments");
    assertSplitRefused("00", 0, "1 bytes left over after the 0 declared invoke arguments");
  }

  @Test
  void aNegativeArgumentCountIsRefused() {
    assertSplitRefused("", -1, "negative argument count -1");
  }

  private static void assertSplitRefused(String hex, int argLength, String message) {
    ByteBuf app = Frames.hex(hex);
    try {
      assertThatThrownBy(() -> InvokeArgs.split(app, argLength))
          .isInstanceOf(CorruptedFrameException.class)
          .hasMessageContaining(message);
    } finally {
      app.release();
    }
  }
}
