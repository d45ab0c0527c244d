package io.clusterclient.internal.session;

import io.netty.channel.EventLoop;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The one thread a session's state lives on, and its clock. In production an event loop of the
 * runtime (the same one that runs a follower's connection, so that a write from a transition keeps
 * its place among the connection's writes); in the simulation tests a queue stepped by hand with a
 * clock that moves only when told.
 */
public interface SessionLoop extends Executor {
  /** @return whether the calling thread is this loop's */
  boolean inLoop();

  /**
   * Runs a task later, on this loop.
   *
   * @param task the task
   * @param delayNanos after how long
   * @return cancels it (a no-op once run)
   */
  Runnable schedule(Runnable task, long delayNanos);

  /** @return this loop's clock, in nanoseconds; only differences mean anything */
  long nanoTime();

  /**
   * The loop of a Netty event loop, with {@link System#nanoTime()}.
   *
   * @param loop the event loop
   * @return the session loop
   */
  static SessionLoop of(EventLoop loop) {
    return new SessionLoop() {
      @Override
      public void execute(Runnable task) {
        loop.execute(task);
      }

      @Override
      public boolean inLoop() {
        return loop.inEventLoop();
      }

      @Override
      public Runnable schedule(Runnable task, long delayNanos) {
        try {
          var f = loop.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
          return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
          return () -> {}; // shutting down: nothing left to run it
        }
      }

      @Override
      public long nanoTime() {
        return System.nanoTime();
      }
    };
  }
}
