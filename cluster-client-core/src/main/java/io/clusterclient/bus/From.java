package io.clusterclient.bus;

/**
 * Where a subscription starts in a topic's retained backlog. Immutable and thread-safe.
 *
 * <pre>{@code
 * bus.subscribe("orders", Order.class, From.id(41), listener);   // everything after id 41
 * bus.subscribe("orders", Order.class, From.last(100), listener); // the last 100 retained, then live
 * }</pre>
 */
public final class From {
  /** The kinds of starting point. */
  public enum Kind {
    /** after a given id */
    AFTER_ID,
    /** the last N retained */
    LAST,
    /** only what comes after the subscription is confirmed */
    LATEST,
    /** everything retained */
    BEGINNING
  }

  private final Kind kind;
  private final long value;

  private From(Kind kind, long value) {
    this.kind = kind;
    this.value = value;
  }

  /**
   * @param id the last id the subscriber has seen
   * @return every retained message with a greater id, then live messages; if retention has dropped
   *     messages after {@code id}, the listener's {@link MessageListener#onGap} says so first
   */
  public static From id(long id) {
    return new From(Kind.AFTER_ID, id);
  }

  /**
   * @param count how many of the newest retained messages to deliver first (0: none)
   * @return the last {@code count} retained messages, then live messages
   */
  public static From last(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0: " + count);
    }
    return new From(Kind.LAST, count);
  }

  /** @return only messages that arrive after the subscription is confirmed (the default) */
  public static From latest() {
    return new From(Kind.LATEST, 0);
  }

  /** @return every retained message, then live messages */
  public static From beginning() {
    return new From(Kind.BEGINNING, 0);
  }

  /** @return the kind of starting point */
  public Kind kind() {
    return kind;
  }

  /** @return the id of {@code AFTER_ID}, the count of {@code LAST}, else 0 */
  public long value() {
    return value;
  }

  @Override
  public String toString() {
    switch (kind) {
      case AFTER_ID:
        return "From.id(" + value + ")";
      case LAST:
        return "From.last(" + value + ")";
      case LATEST:
        return "From.latest()";
      default:
        return "From.beginning()";
    }
  }
}
