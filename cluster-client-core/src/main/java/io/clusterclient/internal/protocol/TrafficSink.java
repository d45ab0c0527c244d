package io.clusterclient.internal.protocol;

/**
 * Where a connection's codec counts the bytes of the packets it reads and writes: called on the
 * connection's event loop, once per packet, so it must be cheap and never block. Implementations
 * are thread-safe.
 */
public interface TrafficSink {
  /** Counts nothing. */
  TrafficSink NONE =
      new TrafficSink() {
        @Override
        public void bytesIn(int bytes) {}

        @Override
        public void bytesOut(int bytes) {}
      };

  /**
   * A packet was read.
   *
   * @param bytes its length on the wire, header included
   */
  void bytesIn(int bytes);

  /**
   * A packet was written (handed to the socket's buffer).
   *
   * @param bytes its length on the wire, header included
   */
  void bytesOut(int bytes);
}
