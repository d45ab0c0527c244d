package io.clusterclient.internal.session;

import io.clusterclient.internal.protocol.TrafficSink;
import java.util.concurrent.atomic.LongAdder;

/**
 * The wire meters of one session: bytes of the packets its connections read and wrote (a
 * follower's connection to its leader; on the leader, its followers' connections), values the
 * leader pushed to followers, and followers the leader dropped. Counted on I/O threads, in adders:
 * no contention and no allocation per packet. Thread-safe.
 */
public final class Traffic implements TrafficSink {
  /** Counts what backends without a session of their own see (a rehearsal); nobody reads it. */
  public static final Traffic DISCARD = new Traffic();

  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder pushesSent = new LongAdder();
  private final LongAdder followersDropped = new LongAdder();
  private final LongAdder callsServed = new LongAdder();

  @Override
  public void bytesIn(int bytes) {
    bytesIn.add(bytes);
  }

  @Override
  public void bytesOut(int bytes) {
    bytesOut.add(bytes);
  }

  /** The leader wrote a pushed value to a follower. */
  public void pushSent() {
    pushesSent.increment();
  }

  /** The leader closed a follower's connection: a slow consumer, a protocol violation, silence, a refused proof. */
  public void followerDropped() {
    followersDropped.increment();
  }

  /** The leader read a call of a follower (an invoke, oneway or not), to run on the real client. */
  public void callServed() {
    callsServed.increment();
  }

  long callsServed() {
    return callsServed.sum();
  }

  long bytesIn() {
    return bytesIn.sum();
  }

  long bytesOut() {
    return bytesOut.sum();
  }

  long pushesSent() {
    return pushesSent.sum();
  }

  long followersDropped() {
    return followersDropped.sum();
  }
}
