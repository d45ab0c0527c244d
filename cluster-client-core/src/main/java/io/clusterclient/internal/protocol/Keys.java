package io.clusterclient.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Computes subscription keys: {@code "$$inner$$__"} followed by the compact JSON of the {@code
 * reg}.
 *
 * <p>A leader recomputes the key from the {@code reg} it parsed and pushes {@code subscribe_result}
 * under that key; a follower delivers by comparing it with the key it computed itself. A Node.js
 * process computes it with {@code JSON.stringify} (through {@code json-stringify-safe}, identical
 * for acyclic values), so this class prints exactly what Node.js prints for the same JSON value
 * after {@code JSON.parse}:
 *
 * <ul>
 *   <li>no spaces; object keys in the order given, except that keys which are array indices ("0" to
 *       "4294967294") come first in ascending numeric order, as JavaScript enumerates them;
 *   <li>strings escape only {@code "}, {@code \}, control characters below 0x20 ({@code \b \f \n \r
 *       \t} short forms, otherwise {@code \}{@code u00xx} in lower case) and lone surrogates; other
 *       non-ASCII characters are written as they are;
 *   <li>numbers as JavaScript's Number::toString: integers up to 2^53 exactly, larger integers
 *       rounded to the nearest double and printed as JavaScript would ({@code 12345678901234567890}
 *       becomes {@code 12345678901234567000}), non-integral numbers as the shortest decimal that
 *       reads back as the same double, with JavaScript's exponent form outside [1e-6, 1e21) ({@code
 *       1e-7}, {@code 1e+21}, never Java's {@code 1.0E-7}); NaN and infinities as {@code null}, -0
 *       as {@code 0}.
 * </ul>
 *
 * <p>Limits: a float node is taken as the double nearest to its shortest decimal ({@code 0.1f} as
 * {@code 0.1}), which is what its JSON text means to any peer; binary nodes print as their base64
 * string and POJO nodes as the tree Jackson makes of them. Values nested deeper than {@link
 * Wire#MAX_NESTING_DEPTH} are refused, since no peer could parse them.
 *
 * <p>Thread-safe: stateless.
 */
public final class Keys {
  /** The prefix of every subscription key, as the original writes it. */
  public static final String PREFIX = "$$inner$$__";

  private Keys() {}

  /**
   * Returns the subscription key of a {@code reg}.
   *
   * @param reg the registration; Java null or a missing node stands for JavaScript's {@code
   *     undefined} (a {@code reg} absent from the connection object), which the original prints as
   *     {@code "$$inner$$__undefined"}; a {@code NullNode} prints {@code null}
   * @return the key
   * @throws IllegalArgumentException if reg nests deeper than {@link Wire#MAX_NESTING_DEPTH}
   */
  public static String subscriptionKey(JsonNode reg) {
    return PREFIX + stringify(reg);
  }

  /**
   * Returns the subscription key of a {@code reg} under a client's options: with the default
   * {@link #subscriptionKey(JsonNode)}, or the client's {@code formatKey}, which receives the reg as
   * JSON values (maps, lists, strings, numbers, booleans, null).
   *
   * @param reg the registration
   * @param options the client's options
   * @return the key
   * @throws io.clusterclient.ClusterConfigurationException when the client's formatKey throws or
   *     returns null
   */
  public static String subscriptionKey(JsonNode reg, io.clusterclient.ClusterOptions options) {
    java.util.function.Function<Object, String> format = options.formatKey().orElse(null);
    if (format == null) {
      return subscriptionKey(reg);
    }
    Object plain = reg == null || reg.isMissingNode() ? null : Wire.mapper().convertValue(reg, Object.class);
    String key;
    try {
      key = format.apply(plain);
    } catch (RuntimeException e) {
      throw new io.clusterclient.ClusterConfigurationException(
          "the formatKey of this client failed on the registration " + abbreviate(reg) + ": " + e, e);
    }
    if (key == null) {
      throw new io.clusterclient.ClusterConfigurationException(
          "the formatKey of this client returned null for the registration " + abbreviate(reg)
              + "; it must return a key for every registration");
    }
    return PREFIX + key;
  }

  private static String abbreviate(JsonNode reg) {
    String s = String.valueOf(reg);
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  /**
   * Returns the JSON text Node.js's {@code JSON.stringify} prints for the same value after a JSON
   * round trip; {@code "undefined"} for null or a missing node.
   *
   * @param value the value
   * @return its JSON text
   * @throws IllegalArgumentException if value nests deeper than {@link Wire#MAX_NESTING_DEPTH}
   */
  public static String stringify(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "undefined";
    }
    StringBuilder sb = new StringBuilder(64);
    JsJson.append(sb, value, JsJson.KEY, Wire.MAX_NESTING_DEPTH);
    return sb.toString();
  }
}
