package io.clusterclient.benchmarks.jmh;

import io.clusterclient.internal.codec.JsonCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.Warmup;

/** The default application codec on a 64-byte string: what every echo argument and result costs. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class JsonCodecBenchmark {
  private final JsonCodec codec = JsonCodec.shared();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);
  private String value;
  private byte[] encoded;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    value = "x".repeat(64);
    codec.encode(value, String.class, out);
    encoded = out.toByteArray();
  }

  @Benchmark
  public int encode64() throws IOException {
    out.reset();
    codec.encode(value, String.class, out);
    return out.size();
  }

  @Benchmark
  public Object decode64() throws IOException {
    return codec.decode(new ByteArrayInputStream(encoded), String.class);
  }

  @Benchmark
  public Object roundTrip64() throws IOException {
    out.reset();
    codec.encode(value, String.class, out);
    return codec.decode(new ByteArrayInputStream(out.toByteArray()), String.class);
  }
}
