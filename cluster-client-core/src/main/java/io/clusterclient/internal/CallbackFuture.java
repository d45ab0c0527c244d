package io.clusterclient.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The future an asynchronous call returns. Two things set it apart from a plain {@link
 * CompletableFuture}:
 *
 * <ul>
 *   <li>Every dependent stage ({@code thenApply}, {@code whenComplete}, ...) runs on the library's
 *       callback executor, whichever thread completes the future: never on an I/O thread.
 *   <li>A caller blocked in {@code get()} or {@code join()} first runs the future's {@link Helper}
 *       on its own thread: it waits for the answer itself and completes the future, so that it wakes
 *       as soon as the answer arrives instead of after a hand-off to a worker.
 * </ul>
 *
 * <p>Thread-safe.
 *
 * @param <T> the value type
 */
public final class CallbackFuture<T> extends CompletableFuture<T> {
  /** Completes a future on the calling thread, waiting at most until a deadline. */
  @FunctionalInterface
  public interface Helper {
    /**
     * Waits for what completes the future and completes it, on the calling thread; returns early
     * when interrupted or at the deadline, leaving the future to complete by other means.
     *
     * @param deadlineNanos when to stop waiting ({@link System#nanoTime()} based)
     */
    void help(long deadlineNanos);
  }

  private final Executor executor;
  private volatile Helper helper;

  /**
   * Creates one.
   *
   * @param executor runs every dependent stage
   */
  public CallbackFuture(Executor executor) {
    this.executor = executor;
  }

  /**
   * Sets what a blocked getter runs first.
   *
   * @param helper the helper, or null for none
   */
  public void helpWith(Helper helper) {
    this.helper = helper;
  }

  /**
   * Runs the helper on this thread if the future is still pending.
   *
   * @param deadlineNanos when to stop waiting
   */
  public void help(long deadlineNanos) {
    Helper h = helper;
    if (h != null && !isDone()) {
      h.help(deadlineNanos);
    }
  }

  /**
   * A dependent that runs on whichever thread completes this future: for the library's own
   * bookkeeping, which is safe on any thread, never for user code.
   *
   * @param action the action
   * @return the dependent stage
   */
  public CompletableFuture<T> onComplete(BiConsumer<? super T, ? super Throwable> action) {
    return super.whenComplete(action);
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    help(Long.MAX_VALUE);
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    help(System.nanoTime() + unit.toNanos(timeout));
    return super.get(timeout, unit);
  }

  @Override
  public T join() {
    help(Long.MAX_VALUE);
    return super.join();
  }

  @Override
  public Executor defaultExecutor() {
    return executor;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CallbackFuture<>(executor);
  }

  // ---- every dependent runs on the executor ----

  @Override
  public <U> CompletableFuture<U> thenApply(Function<? super T, ? extends U> fn) {
    return thenApplyAsync(fn);
  }

  @Override
  public CompletableFuture<Void> thenAccept(Consumer<? super T> action) {
    return thenAcceptAsync(action);
  }

  @Override
  public CompletableFuture<Void> thenRun(Runnable action) {
    return thenRunAsync(action);
  }

  @Override
  public <U, V> CompletableFuture<V> thenCombine(
      CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
    return thenCombineAsync(other, fn);
  }

  @Override
  public <U> CompletableFuture<Void> thenAcceptBoth(
      CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
    return thenAcceptBothAsync(other, action);
  }

  @Override
  public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
    return runAfterBothAsync(other, action);
  }

  @Override
  public <U> CompletableFuture<U> applyToEither(
      CompletionStage<? extends T> other, Function<? super T, U> fn) {
    return applyToEitherAsync(other, fn);
  }

  @Override
  public CompletableFuture<Void> acceptEither(
      CompletionStage<? extends T> other, Consumer<? super T> action) {
    return acceptEitherAsync(other, action);
  }

  @Override
  public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
    return runAfterEitherAsync(other, action);
  }

  @Override
  public <U> CompletableFuture<U> thenCompose(
      Function<? super T, ? extends CompletionStage<U>> fn) {
    return thenComposeAsync(fn);
  }

  @Override
  public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
    return whenCompleteAsync(action);
  }

  @Override
  public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
    return handleAsync(fn);
  }

  @Override
  public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
    return exceptionallyAsync(fn);
  }

  @Override
  public CompletableFuture<T> exceptionallyCompose(
      Function<Throwable, ? extends CompletionStage<T>> fn) {
    return exceptionallyComposeAsync(fn);
  }
}
