package io.clusterclient.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The library's own background threads. */
public final class Threads {
  private Threads() {}

  /**
   * A timer with one daemon thread, which drops cancelled tasks at once (a long deadline cancelled early
   * does not stay queued until it would have fired). The caller shuts it down.
   *
   * @param name the thread's name
   * @return a new timer
   */
  public static ScheduledThreadPoolExecutor daemonTimer(String name) {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, name));
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  /**
   * Daemon threads named {@code prefix-1}, {@code prefix-2}...
   *
   * @param prefix the start of each thread's name
   * @return a new factory, with its own count
   */
  public static ThreadFactory daemonFactory(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> daemon(r, prefix + "-" + count.incrementAndGet());
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
