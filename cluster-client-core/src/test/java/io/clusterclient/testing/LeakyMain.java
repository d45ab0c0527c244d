package io.clusterclient.testing;

import io.netty.buffer.PooledByteBufAllocator;

/** Leaks a buffer on purpose, to show that the leak check of {@link TestProcess#close()} can fail. */
public final class LeakyMain {
  private LeakyMain() {}

  public static void main(String[] args) {
    for (int i = 0; i < 10; i++) {
      PooledByteBufAllocator.DEFAULT.buffer(128).writeInt(i); // never released
    }
    LeakFlush.flush();
    System.out.println("DONE");
  }
}
