package io.clusterclient.internal.bus;

/**
 * Message ids: an epoch in the high bits, a sequence in the low 22. Each broker takes an epoch above
 * every id it has seen and not below its wall clock in milliseconds since 2020 (41 bits: until 2089),
 * so ids keep increasing across leaders even when the new leader's process holds nothing yet.
 */
final class Ids {
  static final int SEQ_BITS = 22;
  static final long MAX_SEQ = (1L << SEQ_BITS) - 1;
  private static final long BASE_MILLIS = 1_577_836_800_000L; // 2020-01-01T00:00:00Z

  private Ids() {}

  static long epochOf(long id) {
    return id >>> SEQ_BITS;
  }

  static long id(long epoch, long seq) {
    return (epoch << SEQ_BITS) | seq;
  }

  /**
   * @param maxSeenEpoch the highest epoch seen in any id or batch (-1: none)
   * @param nowMillis the wall clock
   * @return the epoch of a new broker
   */
  static long nextEpoch(long maxSeenEpoch, long nowMillis) {
    return Math.max(maxSeenEpoch + 1, nowMillis - BASE_MILLIS);
  }
}
