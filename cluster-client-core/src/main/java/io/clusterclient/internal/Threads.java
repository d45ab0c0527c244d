package io.clusterclient.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;

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
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }
}
