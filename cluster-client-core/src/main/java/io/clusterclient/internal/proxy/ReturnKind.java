package io.clusterclient.internal.proxy;

import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** How a delegated method hands its result back to the caller. */
public enum ReturnKind {
  /** Returns nothing; the caller still waits for the leader unless the method is oneway. */
  VOID,
  /** Returns its value directly: the caller blocks up to the response timeout. */
  SYNC,
  /** Returns a {@link CompletableFuture} (or a {@link CompletionStage}, which it also is). */
  FUTURE;

  static ReturnKind of(Method method) {
    Class<?> r = method.getReturnType();
    if (r == void.class) {
      return VOID;
    }
    if (r == CompletableFuture.class || r == CompletionStage.class) {
      return FUTURE;
    }
    return SYNC;
  }

  /**
   * Whether this kind returns a future.
   *
   * @return true for {@link #FUTURE}
   */
  public boolean isAsync() {
    return this == FUTURE;
  }
}
