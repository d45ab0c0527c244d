package io.clusterclient.benchmarks.jmh;

import io.clusterclient.ClusterClient;
import io.clusterclient.ClusterHandle;
import io.clusterclient.ClusterOptions;
import io.clusterclient.benchmarks.workload.EchoService;
import io.clusterclient.benchmarks.workload.RealEchoService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
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

/**
 * The generated proxy's dispatch, without any network: a single-mode client (the leader-local path)
 * against a direct call of the same real client.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ProxyDispatchBenchmark {
  private static final String VALUE = "x".repeat(64);
  private EchoService direct;
  private static final EchoService.Order ORDER =
      new EchoService.Order("order-4711", 3, 19.99, java.util.List.of("express", "gift"));
  private EchoService proxy;
  private EchoService uncopied;
  private ClusterHandle handle;
  private ClusterHandle uncopiedHandle;
  private ThreadPoolExecutor pool;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    direct = new RealEchoService();
    proxy =
        ClusterClient.of(EchoService.class)
            .options(ClusterOptions.builder().name("jmh-proxy").singleMode(true).build())
            .create(RealEchoService::new);
    handle = ClusterClient.handle(proxy);
    handle.ready().get(30, TimeUnit.SECONDS);
    uncopied =
        ClusterClient.of(EchoService.class)
            .options(ClusterOptions.builder().name("jmh-uncopied").singleMode(true).codecOnLeader(false).build())
            .create(RealEchoService::new);
    uncopiedHandle = ClusterClient.handle(uncopied);
    uncopiedHandle.ready().get(30, TimeUnit.SECONDS);
    // Shaped like the library's worker pool (ClusterRuntime): 8 threads, an unbounded queue.
    pool = new ThreadPoolExecutor(8, 8, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    handle.close();
    uncopiedHandle.close();
    pool.shutdown();
  }

  /**
   * The floor of {@link #proxyAsync}: completing an already-completed future on a pool thread and
   * waiting for it, which is what a leader-local future-returning call does.
   */
  @Benchmark
  public String executorHop() {
    return CompletableFuture.completedFuture(VALUE).whenCompleteAsync((v, e) -> {}, pool).join();
  }

  /** The real client called directly: the floor. */
  @Benchmark
  public String directCall() {
    return direct.echo(VALUE);
  }

  /** A blocking method through the proxy, served by the local real client. */
  @Benchmark
  public String proxySync() {
    return proxy.echo(VALUE);
  }

  /** A future-returning method through the proxy, waited for. */
  @Benchmark
  public String proxyAsync() {
    return proxy.echoAsync(VALUE).join();
  }

  /**
   * A record argument and result through the proxy, copied through the codec as a follower's would
   * be (codecOnLeader, the default).
   */
  @Benchmark
  public EchoService.Order proxySyncRecord() {
    return proxy.echoOrder(ORDER);
  }

  /** The same without the copies (codecOnLeader(false)): the copies' cost is the difference. */
  @Benchmark
  public EchoService.Order proxySyncRecordUncopied() {
    return uncopied.echoOrder(ORDER);
  }

  /** A string through the proxy without the copies: strings are passed as they are either way. */
  @Benchmark
  public String proxySyncUncopied() {
    return uncopied.echo(VALUE);
  }
}
