package io.clusterclient.benchmarks.workload;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;

/**
 * What a process holds at one moment: live threads (by name) and heap in use after a full GC. Taken
 * before and after a client is created, the difference is what the client adds.
 */
final class Footprint {
  final Set<String> threads;
  final long heapUsed;
  final long classes;

  private Footprint(Set<String> threads, long heapUsed, long classes) {
    this.threads = threads;
    this.heapUsed = heapUsed;
    this.classes = classes;
  }

  static Footprint take() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      LockSupport.parkNanos(50_000_000L);
    }
    Set<String> names = new TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive()) {
        names.add(t.getName());
      }
    }
    return new Footprint(
        names,
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
        ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
  }

  /** The difference from {@code before}, as JSON. */
  ObjectNode since(Footprint before, ObjectMapper json) {
    ObjectNode out = json.createObjectNode();
    out.put("threadsAdded", threads.size() - before.threads.size());
    out.put("heapAddedBytes", heapUsed - before.heapUsed);
    out.put("classesAdded", classes - before.classes);
    Set<String> added = new TreeSet<>(threads);
    added.removeAll(before.threads);
    out.putPOJO("newThreads", added);
    return out;
  }
}
