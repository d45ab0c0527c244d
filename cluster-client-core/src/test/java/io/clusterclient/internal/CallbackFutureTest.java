package io.clusterclient.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CallbackFutureTest {
  private final ExecutorService callbacks =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "callbacks"));

  @AfterEach
  void stop() {
    callbacks.shutdownNow();
  }

  @Test
  void everyDependentRunsOnTheCallbackExecutorWhoeverCompletes() throws Exception {
    CallbackFuture<String> f = new CallbackFuture<>(callbacks);
    List<String> threads = new CopyOnWriteArrayList<>();
    CountDownLatch all = new CountDownLatch(8);
    Runnable record = () -> {
      threads.add(Thread.currentThread().getName());
      all.countDown();
    };
    f.thenApply(v -> { record.run(); return v; });
    f.thenAccept(v -> record.run());
    f.thenRun(record);
    f.whenComplete((v, e) -> record.run());
    f.handle((v, e) -> { record.run(); return v; });
    f.thenCompose(v -> { record.run(); return CompletableFuture.completedFuture(v); });
    f.thenCombine(CompletableFuture.completedFuture(1), (a, b) -> { record.run(); return a; });
    // A dependent of a dependent too.
    f.thenApply(v -> v).thenApply(v -> { record.run(); return v; });
    Thread io = new Thread(() -> f.complete("x"), "fake-io");
    io.start();
    io.join();
    assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(threads).hasSize(8).allMatch("callbacks"::equals);
  }

  @Test
  void aFailedFutureAlsoRunsExceptionallyOnTheExecutor() throws Exception {
    CallbackFuture<String> f = new CallbackFuture<>(callbacks);
    AtomicReference<String> thread = new AtomicReference<>();
    CompletableFuture<String> handled = f.exceptionally(e -> {
      thread.set(Thread.currentThread().getName());
      return "recovered";
    });
    Thread io = new Thread(() -> f.completeExceptionally(new IllegalStateException()), "fake-io");
    io.start();
    io.join();
    assertThat(handled.get(10, TimeUnit.SECONDS)).isEqualTo("recovered");
    assertThat(thread.get()).isEqualTo("callbacks");
  }

  @Test
  void aBlockedGetterCompletesTheFutureOnItsOwnThread() throws Exception {
    CallbackFuture<String> f = new CallbackFuture<>(callbacks);
    AtomicReference<String> helper = new AtomicReference<>();
    f.helpWith(deadline -> {
      helper.set(Thread.currentThread().getName());
      f.complete("helped");
    });
    assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("helped");
    assertThat(helper.get()).isEqualTo(Thread.currentThread().getName());
    assertThat(f.join()).isEqualTo("helped"); // done: the helper does not run again
  }
}
