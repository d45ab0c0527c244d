package io.clusterclient.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link JsonNode} as compact JSON text, character for character as Node.js's {@code
 * JSON.stringify} prints the same value. Jackson's own writer is close but not equal (it prints
 * {@code 1.0E-7} where JavaScript prints {@code 1e-7}, escapes control characters in upper case and
 * does not escape lone surrogates as JavaScript does), and subscription keys are compared as strings
 * across languages, so near is not enough.
 *
 * <p>Two modes:
 *
 * <ul>
 *   <li>{@linkplain #KEY key mode} prints the value as a Node.js process would print it after
 *       {@code JSON.parse}: integers beyond 2^53 are rounded to the nearest double (JavaScript has
 *       no other number), and object keys that are array indices ("0" to "4294967294") come first
 *       in ascending order, as JavaScript enumerates them.
 *   <li>{@linkplain #WIRE wire mode} keeps integers exact and keys in the order given, so a Java
 *       peer loses nothing; a Node.js peer parses both modes to the same value.
 * </ul>
 *
 * <p>Numbers that are not integers, and integers in key mode, use JavaScript's Number::toString:
 * the shortest decimal that reads back to the same double, plain from 1e-6 up to 1e21 and in
 * exponent form ({@code 1e+21}, {@code 1.5e-7}) outside. NaN and infinities print {@code null}, -0
 * prints {@code 0}. A float node prints the double nearest to its shortest decimal ({@code 0.1f} as
 * {@code 0.1}), as Jackson does.
 *
 * <p>Thread-safe: stateless.
 */
public final class JsJson {
  /** Key mode: what Node.js prints after parsing the value. */
  static final boolean KEY = true;

  /** Wire mode: exact integers, keys in the order given. */
  static final boolean WIRE = false;

  private static final double TWO_POW_53 = 9007199254740992d;
  private static final long MAX_ARRAY_INDEX = 4294967294L;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsJson() {}

  /**
   * Appends the JSON text of a value that is present (not {@code undefined}).
   *
   * @param sb where to append
   * @param node the value; a null or missing node prints {@code null}
   * @param keyMode {@link #KEY} or {@link #WIRE}
   * @param maxDepth deepest nesting of arrays and objects allowed, the outermost counting as 1
   * @throws IllegalArgumentException if the value nests deeper than maxDepth
   */
  static void append(StringBuilder sb, JsonNode node, boolean keyMode, int maxDepth) {
    appendValue(sb, node, keyMode, maxDepth, 0);
  }

  /** Appends a JSON string literal escaped as JSON.stringify escapes it. */
  static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            appendUnicodeEscape(sb, c);
          } else if (Character.isHighSurrogate(c)) {
            if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
              sb.append(c).append(s.charAt(++i));
            } else {
              // Well-formed JSON.stringify (Node 12+) escapes a lone surrogate; it also keeps the
              // text encodable as UTF-8.
              appendUnicodeEscape(sb, c);
            }
          } else if (Character.isLowSurrogate(c)) {
            appendUnicodeEscape(sb, c);
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /**
   * Appends a double as JavaScript's Number::toString prints it (NaN and infinities as null).
   *
   * @param sb where to append
   * @param d the number
   */
  public static void appendNumber(StringBuilder sb, double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      sb.append("null");
      return;
    }
    if (d == 0) {
      sb.append('0');
      return;
    }
    if (Math.abs(d) < TWO_POW_53 && d == Math.rint(d)) {
      sb.append((long) d);
      return;
    }
    if (d < 0) {
      sb.append('-');
      d = -d;
    }
    BigDecimal shortest = shortestDecimal(d);
    String digits = shortest.unscaledValue().toString();
    int k = digits.length();
    int n = k - shortest.scale();
    if (k <= n && n <= 21) {
      sb.append(digits);
      sb.append("0".repeat(n - k));
    } else if (0 < n && n <= 21) {
      sb.append(digits, 0, n).append('.').append(digits, n, k);
    } else if (-6 < n && n <= 0) {
      sb.append("0.").append("0".repeat(-n)).append(digits);
    } else {
      int e = n - 1;
      sb.append(digits.charAt(0));
      if (k > 1) {
        sb.append('.').append(digits, 1, k);
      }
      sb.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
    }
  }

  private static void appendValue(
      StringBuilder sb, JsonNode node, boolean keyMode, int maxDepth, int depth) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      sb.append("null");
    } else if (node.isTextual()) {
      appendString(sb, node.textValue());
    } else if (node.isBoolean()) {
      sb.append(node.booleanValue());
    } else if (node.isNumber()) {
      appendNumberNode(sb, node, keyMode);
    } else if (node.isArray()) {
      checkDepth(depth + 1, maxDepth);
      sb.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        appendValue(sb, node.get(i), keyMode, maxDepth, depth + 1);
      }
      sb.append(']');
    } else if (node.isObject()) {
      checkDepth(depth + 1, maxDepth);
      appendObject(sb, node, keyMode, maxDepth, depth + 1);
    } else if (node.isBinary()) {
      // Jackson writes binary as a base64 string; the peer sees the same.
      appendString(sb, node.asText());
    } else if (node instanceof POJONode pojo) {
      appendValue(sb, Wire.mapper().valueToTree(pojo.getPojo()), keyMode, maxDepth, depth);
    } else {
      throw new IllegalArgumentException("cannot write a " + node.getNodeType() + " node as JSON");
    }
  }

  private static void appendObject(
      StringBuilder sb, JsonNode node, boolean keyMode, int maxDepth, int depth) {
    List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.size());
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      // JSON.stringify drops undefined members; a missing node is Jackson's undefined.
      if (field.getValue() != null && !field.getValue().isMissingNode()) {
        fields.add(field);
      }
    }
    if (keyMode) {
      // List.sort is stable: non-index keys keep their order after all index keys.
      fields.sort(
          (a, b) -> {
            long ia = arrayIndex(a.getKey());
            long ib = arrayIndex(b.getKey());
            if (ia >= 0 && ib >= 0) {
              return Long.compare(ia, ib);
            }
            return Boolean.compare(ia < 0, ib < 0);
          });
    }
    sb.append('{');
    boolean first = true;
    for (Map.Entry<String, JsonNode> field : fields) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      appendString(sb, field.getKey());
      sb.append(':');
      appendValue(sb, field.getValue(), keyMode, maxDepth, depth);
    }
    sb.append('}');
  }

  private static void appendNumberNode(StringBuilder sb, JsonNode node, boolean keyMode) {
    if (node.isIntegralNumber()) {
      if (!keyMode || (node.canConvertToLong() && isSafeInteger(node.longValue()))) {
        sb.append(node.numberValue().toString());
      } else {
        BigInteger big = node.bigIntegerValue();
        appendNumber(sb, Double.parseDouble(big.toString()));
      }
    } else if (node.isFloat()) {
      appendNumber(sb, Double.parseDouble(Float.toString(node.floatValue())));
    } else if (node.isBigDecimal()) {
      if (keyMode) {
        // Parsing the decimal text rounds correctly, as JavaScript's JSON.parse does.
        appendNumber(sb, Double.parseDouble(node.decimalValue().toString()));
      } else {
        sb.append(node.decimalValue().toString());
      }
    } else {
      appendNumber(sb, node.doubleValue());
    }
  }

  /**
   * Returns the decimal with the fewest significant digits that reads back as {@code d}, choosing
   * the closest one when several have that many digits: the digits of ECMAScript's
   * Number::toString. Double.toString is not always shortest before JDK 19, so this does not rely
   * on it.
   */
  private static BigDecimal shortestDecimal(double d) {
    BigDecimal exact = new BigDecimal(d);
    for (int precision = 1; precision < 17; precision++) {
      // The nearest decimal of this precision may not read back when the rounding interval is
      // lopsided (at a power of two), while the other neighbour does: try both neighbours.
      BigDecimal down = exact.round(new MathContext(precision, RoundingMode.FLOOR));
      BigDecimal up = exact.round(new MathContext(precision, RoundingMode.CEILING));
      boolean downOk = Double.parseDouble(down.toString()) == d;
      boolean upOk = Double.parseDouble(up.toString()) == d;
      if (downOk && upOk) {
        return exact.round(new MathContext(precision, RoundingMode.HALF_EVEN)).stripTrailingZeros();
      } else if (downOk) {
        return down.stripTrailingZeros();
      } else if (upOk) {
        return up.stripTrailingZeros();
      }
    }
    // Every double is identified by 17 significant digits.
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }

  /** Whether JavaScript holds this integer exactly (Math.abs would overflow on Long.MIN_VALUE). */
  private static boolean isSafeInteger(long value) {
    return value >= -(1L << 53) && value <= (1L << 53);
  }

  /**
   * Returns the array index a property key denotes in JavaScript, or -1 if it is not one: such keys
   * come first, in numeric order, when JavaScript lists an object's keys.
   *
   * @param key a property key
   * @return its index, or -1
   */
  public static long arrayIndex(String key) {
    int n = key.length();
    if (n == 0 || n > 10 || (n > 1 && key.charAt(0) == '0')) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value <= MAX_ARRAY_INDEX ? value : -1;
  }

  private static void checkDepth(int depth, int maxDepth) {
    if (depth > maxDepth) {
      throw new IllegalArgumentException(
          "JSON value nests deeper than " + maxDepth + " levels; peers would reject it");
    }
  }

  private static void appendUnicodeEscape(StringBuilder sb, char c) {
    sb.append("\\u")
        .append(HEX[(c >> 12) & 0xf])
        .append(HEX[(c >> 8) & 0xf])
        .append(HEX[(c >> 4) & 0xf])
        .append(HEX[c & 0xf]);
  }
}
