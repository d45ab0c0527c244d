package io.clusterclient.benchmarks.jmh;

import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.Packet;
import io.clusterclient.internal.protocol.PacketDecoder;
import io.clusterclient.internal.protocol.PacketEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The packet codec: an {@code invoke} of one 64-byte string through {@link PacketEncoder} and back
 * through {@link PacketDecoder} (header, connection object JSON, application slice), in a Netty
 * pipeline without sockets; and the connection object alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PacketCodecBenchmark {
  private EmbeddedChannel channel;
  private ByteBuf app;
  private ConnObject invoke;
  private ByteBuf invokeJson;
  private long id;

  @Setup(Level.Trial)
  public void setUp() {
    channel = new EmbeddedChannel(new PacketDecoder(64 << 20), new PacketEncoder());
    byte[] arg = ("\"" + "x".repeat(64) + "\"").getBytes(StandardCharsets.UTF_8);
    app = Unpooled.directBuffer().writeInt(arg.length).writeBytes(arg);
    invoke = ConnObject.invoke("echo", 1, false, null);
    invokeJson = Unpooled.wrappedBuffer(invoke.toJsonBytes());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    channel.finishAndReleaseAll();
    app.release();
  }

  /** Encode a request and decode it again, as a leader receives a follower's call. */
  @Benchmark
  public void packetRoundTrip(Blackhole bh) {
    Packet out = Packet.request(++id, 3000, ConnObject.invoke("echo", 1, false, null), app.retainedDuplicate());
    channel.writeOutbound(out);
    ByteBuf bytes;
    while ((bytes = channel.readOutbound()) != null) {
      channel.writeInbound(bytes);
    }
    Packet in = channel.readInbound();
    bh.consume(in.conn().method());
    in.release();
  }

  /** The connection object's JSON text, as the encoder writes it. */
  @Benchmark
  public byte[] connObjectWrite() {
    return ConnObject.invoke("echo", 1, false, null).toJsonBytes();
  }

  /** The connection object parsed from JSON, as the decoder reads it. */
  @Benchmark
  public ConnObject connObjectParse() {
    return ConnObject.parse(invokeJson.duplicate());
  }
}
