package io.clusterclient.internal.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Holds the one Jackson {@link ObjectMapper} that reads connection objects.
 *
 * <p>Connection objects come from any local process that can reach the port, so the mapper is
 * hardened: bounded nesting, string and number lengths (a peer cannot make us build a huge {@code
 * BigInteger} or recurse deeply), no default typing and no modules, so the input can never name a
 * class to instantiate. It is only ever used to build trees ({@code readTree}), never to bind
 * classes.
 *
 * <p>Thread-safe: the mapper is configured once, before publication, and never changed.
 */
public final class Wire {
  /** Deepest nesting of arrays and objects accepted in a connection object (the root counts). */
  public static final int MAX_NESTING_DEPTH = 64;

  /** Longest string accepted in a connection object, in chars. */
  public static final int MAX_STRING_LENGTH = 1 << 20;

  /** Longest number literal accepted in a connection object, in chars. */
  public static final int MAX_NUMBER_LENGTH = 100;

  private static final ObjectMapper MAPPER = create();

  private Wire() {}

  /**
   * Returns the shared mapper. Do not reconfigure it: everyone shares this instance.
   *
   * @return the hardened mapper for connection objects
   */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Returns the read constraints of connection objects with the given string limit, so that the
   * application codec can share every other limit.
   *
   * @param maxStringLength the longest string to accept, in chars
   * @return the constraints
   */
  public static StreamReadConstraints readConstraints(int maxStringLength) {
    return StreamReadConstraints.builder()
        .maxNestingDepth(MAX_NESTING_DEPTH)
        .maxStringLength(maxStringLength)
        .maxNumberLength(MAX_NUMBER_LENGTH)
        .build();
  }

  private static ObjectMapper create() {
    JsonFactory factory =
        JsonFactory.builder().streamReadConstraints(readConstraints(MAX_STRING_LENGTH)).build();
    return JsonMapper.builder(factory)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        // JSON.parse rejects "{}x"; so do we, rather than silently ignoring what follows.
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
  }
}
