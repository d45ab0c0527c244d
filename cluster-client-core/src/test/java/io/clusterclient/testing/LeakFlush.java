package io.clusterclient.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Makes Netty report leaked buffers before a child process exits. Netty reports a leak only when a
 * later allocation finds a buffer that was collected without being released, so: collect, then
 * allocate. {@link TestProcess#close()} fails when the log then holds a leak report.
 */
public final class LeakFlush {
  private LeakFlush() {}

  /** Collects garbage and allocates a little, a few times. */
  public static void flush() {
    for (int round = 0; round < 3; round++) {
      System.gc();
      // Give the reference handler a moment to enqueue what the collection found.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      for (int i = 0; i < 64; i++) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(64);
        b.release();
      }
    }
  }
}
