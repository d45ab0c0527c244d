package io.clusterclient.internal.bus;

import io.clusterclient.bus.From;
import io.clusterclient.bus.MessageListener;
import io.clusterclient.bus.SubscriberDroppedException;
import io.clusterclient.bus.Subscription;
import io.clusterclient.internal.bus.BusWire.Msg;
import io.clusterclient.internal.bus.DefaultClusterBus.Replica;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One local subscriber: a cursor in its topic's replica, drained one message at a time, in id order,
 * on the bus's callback executor (one drain at a time per subscriber). It costs the bus no memory of
 * its own: a subscriber that falls behind only holds a cursor, and is dropped once more than
 * {@code subscriberMaxLag} live messages wait for it. Thread-safe.
 */
final class Sub<T> implements Subscription {
  private static final Logger LOG = LoggerFactory.getLogger(Sub.class);

  private final DefaultClusterBus bus;
  private final String topic;
  private volatile Replica rt; // set by start(): the topic's replica then (an unused one may be dropped before)
  private final Class<T> type;
  private final From from;
  private final MessageListener<? super T> listener;
  private final AtomicLong pending = new AtomicLong();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final CompletableFuture<Long> whenClosed = new CompletableFuture<>();
  private volatile long cursor;
  private volatile long lastId = -1;
  private volatile long startHigh;
  private volatile boolean started;
  private volatile boolean closed;
  private volatile String dropReason;
  private boolean dropTold; // drain only

  Sub(DefaultClusterBus bus, String topic, Class<T> type, From from, MessageListener<? super T> listener) {
    this.bus = bus;
    this.topic = topic;
    this.type = type;
    this.from = from;
    this.listener = listener;
  }

  /** Under the bus's monitor, once it is caught up: fixes where delivery starts in the topic's replica. */
  void start(Replica replica) {
    this.rt = replica;
    switch (from.kind()) {
      case AFTER_ID:
        cursor = from.value();
        break;
      case BEGINNING:
        cursor = rt.floor;
        break;
      case LATEST:
        cursor = rt.high;
        break;
      default:
        long c = rt.floor;
        Iterator<Long> keys = rt.log.descendingKeySet().iterator();
        for (long i = 0; i <= from.value() && keys.hasNext(); i++) {
          long k = keys.next();
          if (i == from.value()) {
            c = k;
          }
        }
        cursor = from.value() == 0 ? rt.high : c;
    }
    startHigh = rt.high;
    started = true;
    rt.subs.add(this);
  }

  /** Under the bus's monitor: a live message was added to the topic. */
  void appended() {
    if (!started || closed) {
      return;
    }
    int max = bus.subscriberMaxLag();
    if (pending.incrementAndGet() > max) {
      long exact = rt.log.tailMap(Math.max(cursor, startHigh), false).size();
      pending.set(exact);
      if (exact > max) {
        drop("it fell more than " + max + " messages behind");
      }
    }
  }

  private void drop(String reason) {
    dropReason = reason;
    closed = true;
    rt.subs.remove(this);
    whenClosed.completeExceptionally(new SubscriberDroppedException(
        "the subscriber of " + rt.topic + " was dropped after id " + lastId + ": " + reason, lastId));
    schedule();
  }

  void signal() {
    if (started && !closed) {
      schedule();
    }
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        bus.callbacks().execute(this::drain);
      } catch (RejectedExecutionException e) {
        scheduled.set(false); // the bus is closing
      }
    }
  }

  private void drain() {
    try {
      while (true) {
        if (dropReason != null) {
          if (!dropTold) {
            dropTold = true;
            listener.onDropped(rt.topic, lastId, dropReason);
          }
          return;
        }
        if (closed) {
          return;
        }
        Map.Entry<Long, Msg> e = rt.log.higherEntry(cursor);
        long floor = rt.floor; // read after the entry: an eviction sets the floor before it removes
        if (floor > cursor) {
          long after = cursor;
          cursor = floor;
          listener.onGap(rt.topic, after, floor);
          continue;
        }
        if (e == null) {
          break;
        }
        long id = e.getKey();
        T value;
        try {
          value = bus.decode(e.getValue().v(), type);
        } catch (RuntimeException ex) {
          LOG.warn("bus topic {}: message {} skipped for this subscriber: {}", rt.topic, id, ex.getMessage());
          cursor = id;
          continue;
        }
        try {
          listener.onMessage(id, value);
        } catch (RuntimeException ex) {
          LOG.warn("bus topic {}: a listener threw on message {}", rt.topic, id, ex);
        }
        cursor = id;
        lastId = id;
        if (id > startHigh) {
          pending.decrementAndGet();
        }
      }
    } catch (RuntimeException ex) {
      LOG.warn("bus topic {}: a listener callback threw", rt.topic, ex);
    } finally {
      scheduled.set(false);
    }
    if (!closed && (rt.log.higherKey(cursor) != null || rt.floor > cursor)) {
      schedule();
    }
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public long lastId() {
    return lastId;
  }

  @Override
  public CompletableFuture<Long> whenClosed() {
    return whenClosed;
  }

  @Override
  public void close() {
    closed = true;
    Replica r = rt;
    if (r != null) {
      r.subs.remove(this);
      bus.released(r);
    }
    whenClosed.complete(lastId);
  }

  @Override
  public String toString() {
    return "Subscription{" + topic + ", " + from + ", lastId=" + lastId + "}";
  }
}
