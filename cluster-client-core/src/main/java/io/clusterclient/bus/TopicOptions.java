package io.clusterclient.bus;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of a topic the leader (and every process's replica) retains. Immutable and thread-safe;
 * its {@link Builder} is not thread-safe and {@code build()} copies. Every process should declare the
 * same options for a topic: the leader applies those of the latest process that said hello to it.
 *
 * <p>A message is dropped when the topic holds more than {@code maxCount} messages or
 * {@code maxBytes} bytes of keys and values (oldest first), or once it is older than {@code maxAge}. A
 * {@code compacted} topic also keeps only the newest message of each key.
 */
public final class TopicOptions {
  private static final TopicOptions DEFAULTS = builder().build();

  private final long maxCount;
  private final long maxBytes;
  private final Duration maxAge;
  private final boolean compacted;

  private TopicOptions(Builder b) {
    this.maxCount = b.maxCount;
    this.maxBytes = b.maxBytes;
    this.maxAge = b.maxAge;
    this.compacted = b.compacted;
  }

  /** @return 100,000 messages, 64 MiB, no age limit, not compacted */
  public static TopicOptions defaults() {
    return DEFAULTS;
  }

  /** @return a builder with the defaults */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the most messages retained */
  public long maxCount() {
    return maxCount;
  }

  /** @return the most bytes of keys and values (as JSON) retained */
  public long maxBytes() {
    return maxBytes;
  }

  /** @return the longest a message is retained; {@link Duration#ZERO}: no limit */
  public Duration maxAge() {
    return maxAge;
  }

  /** @return whether only the newest message of each key is kept */
  public boolean compacted() {
    return compacted;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TopicOptions t && t.maxCount == maxCount && t.maxBytes == maxBytes
        && t.maxAge.equals(maxAge) && t.compacted == compacted;
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxCount, maxBytes, maxAge, compacted);
  }

  @Override
  public String toString() {
    return "TopicOptions{maxCount=" + maxCount + ", maxBytes=" + maxBytes + ", maxAge=" + maxAge
        + ", compacted=" + compacted + "}";
  }

  /** Builds {@link TopicOptions}. Not thread-safe. */
  public static final class Builder {
    private long maxCount = 100_000;
    private long maxBytes = 64L << 20;
    private Duration maxAge = Duration.ZERO;
    private boolean compacted;

    private Builder() {}

    /**
     * @param maxCount the most messages retained, at least 1
     * @return this builder
     */
    public Builder maxCount(long maxCount) {
      if (maxCount < 1) {
        throw new IllegalArgumentException("maxCount must be >= 1: " + maxCount);
      }
      this.maxCount = maxCount;
      return this;
    }

    /**
     * @param maxBytes the most bytes of keys and values (as JSON) retained, at least 1
     * @return this builder
     */
    public Builder maxBytes(long maxBytes) {
      if (maxBytes < 1) {
        throw new IllegalArgumentException("maxBytes must be >= 1: " + maxBytes);
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /**
     * @param maxAge the longest a message is retained; zero: no limit
     * @return this builder
     */
    public Builder maxAge(Duration maxAge) {
      if (maxAge.isNegative()) {
        throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
      }
      this.maxAge = maxAge;
      return this;
    }

    /**
     * @param compacted keep only the newest message of each key (messages without a key are kept)
     * @return this builder
     */
    public Builder compacted(boolean compacted) {
      this.compacted = compacted;
      return this;
    }

    /** @return the options */
    public TopicOptions build() {
      return new TopicOptions(this);
    }
  }
}
