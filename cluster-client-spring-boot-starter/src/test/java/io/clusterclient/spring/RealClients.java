package io.clusterclient.spring;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts the real clients the tests' factories create and close. Thread-safe. */
final class RealClients {
  final AtomicInteger created = new AtomicInteger();
  final AtomicInteger closed = new AtomicInteger();
  final AtomicInteger shutdowns = new AtomicInteger();
  private final String label;

  RealClients(String label) {
    this.label = label;
  }

  Greeter newGreeter() {
    int n = created.incrementAndGet();
    return new RealGreeter(label + "#" + n);
  }

  Stoppable newStoppable() {
    created.incrementAndGet();
    return new RealStoppable();
  }

  private final class RealGreeter implements Greeter, AutoCloseable {
    private final String id;

    RealGreeter(String id) {
      this.id = id;
    }

    @Override
    public String greet(String who) {
      return "hello " + who + " from " + id;
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  private final class RealStoppable implements Stoppable, AutoCloseable {
    @Override
    public String hello() {
      return "hello";
    }

    @Override
    public void shutdown() {
      shutdowns.incrementAndGet();
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }
}
