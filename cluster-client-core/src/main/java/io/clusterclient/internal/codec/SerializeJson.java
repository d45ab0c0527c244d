package io.clusterclient.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.clusterclient.internal.protocol.JsJson;
import io.clusterclient.internal.protocol.Wire;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The byte format of the npm package {@code serialize-json} 1.0.3, the default {@code transcode} of
 * Node.js cluster-client 3.x, over Jackson trees.
 *
 * <p>The format is text: four dictionaries and a structure, separated by {@code ^}. Strings (with
 * {@code space + | ^ %} escaped as {@code + %2B %7C %5E %25}), integers (base 36, upper case),
 * other numbers ({@code Number::toString}) and dates (milliseconds in base 36) each go to their
 * dictionary, in the order met, without deduplication; the structure refers to them by one running
 * index in base 36, or by a negative token ({@code -1} true, {@code -2} false, {@code -3} null,
 * {@code -4} the empty string, {@code -5} undefined), with containers as {@code @} array, {@code $}
 * object, {@code *} Buffer (its bytes as integers), {@code #} Error, closed by {@code ]} and their
 * members separated by {@code |}. Object keys come in JavaScript's order: array indices ascending,
 * then the rest as given. {@code encode(v)} here writes exactly the bytes that
 * {@code require('serialize-json').encode(v)} writes in Node.js for the same JavaScript value.
 *
 * <p>Trees map JavaScript values as follows. Written: a {@link BinaryNode} is a Buffer, a {@link
 * POJONode} holding a {@link JsDate} a Date and one holding a {@link JsError} an Error; whole
 * numbers of Java's integral types are written exactly (beyond 2^53 a Node.js peer rounds them),
 * doubles as JavaScript writes them ({@code NaN} and the infinities survive, as they do between
 * Node.js peers). Read: a Buffer is a {@link BinaryNode}, a Date its {@code toISOString()} text (or
 * null when invalid), an Error an object of its message, stack and own properties, undefined a
 * null. The wire never chooses a class: nothing here instantiates anything but tree nodes.
 *
 * <p>Input is untrusted: it must be well formed (every section present, every token a known index,
 * every container closed, nothing left over), numbers are bounded in length, nesting in depth.
 *
 * <p>Thread-safe: stateless.
 */
final class SerializeJson {
  private static final int TRUE = -1;
  private static final int FALSE = -2;
  private static final int NULL = -3;
  private static final int EMPTY_STRING = -4;
  private static final int UNDEFINED = -5;
  /** Structure markers are stored among the tokens as values below every valid token. */
  private static final int MARKER = -1000;

  private static final int MAX_INTEGER_DIGITS = 256;
  /** The largest decimal scale kept exactly; beyond it a number is read as a double. */
  private static final int MAX_DECIMAL_SCALE = 1100;
  private static final int MAX_TOKEN_DIGITS = 12;
  private static final Pattern INTEGER = Pattern.compile("-?[0-9A-Za-z]+");
  private static final Pattern FLOAT =
      Pattern.compile("-?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|NaN|-?Infinity");
  /** JavaScript's Date range: at most 8.64e15 ms either side of the epoch. */
  private static final long MAX_DATE_MILLIS = 8_640_000_000_000_000L;
  private static final double TWO_POW_53 = 9007199254740992d;
  private static final char[] DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray();

  private SerializeJson() {}

  /** A JavaScript Date: milliseconds since the epoch. */
  record JsDate(long millis) {}

  /** A JavaScript Error: its message and stack, then its own properties (name, code). */
  record JsError(String message, String stack, Map<String, String> properties) {}

  /** What {@link #read} found: the value, and whether it is an Error or undefined at the top. */
  record Read(JsonNode value, boolean error, boolean undefined) {}

  // ---- writing ----

  /**
   * Writes a tree as serialize-json bytes.
   *
   * @param tree the value; null or a missing node is written as null
   * @return the bytes
   * @throws IOException when the tree holds what JavaScript cannot hold, or nests too deep
   */
  static byte[] write(JsonNode tree) throws IOException {
    Dictionaries d = new Dictionaries();
    collect(tree, d, 0);
    StringBuilder out = new StringBuilder(d.length() + 16);
    d.appendTo(out);
    out.append('^');
    new Packer(d).pack(tree, out);
    return utf8(out);
  }

  /** The four dictionaries, built in the order the structure meets their values. */
  private static final class Dictionaries {
    final StringBuilder strings = new StringBuilder();
    final StringBuilder integers = new StringBuilder();
    final StringBuilder floats = new StringBuilder();
    final StringBuilder dates = new StringBuilder();
    int stringCount;
    int integerCount;
    int floatCount;
    int dateCount;

    int length() {
      return strings.length() + integers.length() + floats.length() + dates.length();
    }

    void appendTo(StringBuilder out) {
      out.append(strings).append('^').append(integers).append('^').append(floats).append('^').append(dates);
    }

    void string(String s) {
      if (stringCount++ > 0) {
        strings.append('|');
      }
      escape(s, strings);
    }

    void integer(String base36) {
      if (integerCount++ > 0) {
        integers.append('|');
      }
      integers.append(base36);
    }

    void number(String text) {
      if (floatCount++ > 0) {
        floats.append('|');
      }
      floats.append(text);
    }

    void date(String base36) {
      if (dateCount++ > 0) {
        dates.append('|');
      }
      dates.append(base36);
    }
  }

  /** The first pass: every dictionary entry, in the order the structure meets it. */
  private static void collect(JsonNode node, Dictionaries d, int depth) throws IOException {
    switch (kindOf(node)) {
      case STRING -> d.string(node.textValue());
      case INTEGER -> d.integer(integerText(node));
      case FLOAT -> d.number(floatText(node));
      case DATE -> d.date(radix36(((JsDate) ((POJONode) node).getPojo()).millis()));
      case BUFFER -> {
        for (byte b : node.binaryValue()) {
          d.integer(radix36(b & 0xff));
        }
      }
      case ARRAY -> {
        checkDepth(depth + 1);
        for (JsonNode child : node) {
          collect(child, d, depth + 1);
        }
      }
      case OBJECT -> {
        checkDepth(depth + 1);
        for (Map.Entry<String, JsonNode> e : fields(node)) {
          collectKey(e.getKey(), d);
          collect(e.getValue(), d, depth + 1);
        }
      }
      case ERROR -> {
        checkDepth(depth + 1);
        JsError error = (JsError) ((POJONode) node).getPojo();
        for (Map.Entry<String, JsonNode> e : errorFields(error)) {
          collectKey(e.getKey(), d);
          collect(e.getValue(), d, depth + 1);
        }
      }
      default -> {} // a token of its own
    }
  }

  private static void collectKey(String key, Dictionaries d) {
    if (!key.isEmpty()) {
      d.string(key);
    }
  }

  /** The second pass: the structure, with each dictionary's entries counted again in order. */
  private static final class Packer {
    private final int integerBase;
    private final int floatBase;
    private final int dateBase;
    private int strings;
    private int integers;
    private int floats;
    private int dates;

    Packer(Dictionaries d) {
      this.integerBase = d.stringCount;
      this.floatBase = integerBase + d.integerCount;
      this.dateBase = floatBase + d.floatCount;
    }

    void pack(JsonNode node, StringBuilder out) throws IOException {
      switch (kindOf(node)) {
        case NULL -> out.append(NULL);
        case TRUE -> out.append(TRUE);
        case FALSE -> out.append(FALSE);
        case EMPTY_STRING -> out.append(EMPTY_STRING);
        case STRING -> out.append(radix36(strings++));
        case INTEGER -> out.append(radix36(integerBase + integers++));
        case FLOAT -> out.append(radix36(floatBase + floats++));
        case DATE -> out.append(radix36(dateBase + dates++));
        case BUFFER -> {
          out.append('*');
          byte[] bytes = node.binaryValue();
          for (int i = 0; i < bytes.length; i++) {
            if (i > 0) {
              out.append('|');
            }
            out.append(radix36(integerBase + integers++));
          }
          out.append(']');
        }
        case ARRAY -> {
          out.append('@');
          boolean first = true;
          for (JsonNode child : node) {
            first = separate(first, out);
            pack(child, out);
          }
          out.append(']');
        }
        case OBJECT -> members('$', fields(node), out);
        case ERROR -> members('#', errorFields((JsError) ((POJONode) node).getPojo()), out);
        default -> throw new IllegalStateException("unknown kind of " + node);
      }
    }

    private void members(char type, List<Map.Entry<String, JsonNode>> fields, StringBuilder out)
        throws IOException {
      out.append(type);
      boolean first = true;
      for (Map.Entry<String, JsonNode> e : fields) {
        first = separate(first, out);
        if (e.getKey().isEmpty()) {
          out.append(EMPTY_STRING);
        } else {
          out.append(radix36(strings++));
        }
        out.append('|');
        pack(e.getValue(), out);
      }
      out.append(']');
    }

    private static boolean separate(boolean first, StringBuilder out) {
      if (!first) {
        out.append('|');
      }
      return false;
    }
  }

  private enum Kind {
    NULL, TRUE, FALSE, EMPTY_STRING, STRING, INTEGER, FLOAT, DATE, BUFFER, ARRAY, OBJECT, ERROR
  }

  private static Kind kindOf(JsonNode node) throws IOException {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return Kind.NULL;
    }
    if (node.isTextual()) {
      return node.textValue().isEmpty() ? Kind.EMPTY_STRING : Kind.STRING;
    }
    if (node.isBoolean()) {
      return node.booleanValue() ? Kind.TRUE : Kind.FALSE;
    }
    if (node.isNumber()) {
      return isWhole(node) ? Kind.INTEGER : Kind.FLOAT;
    }
    if (node.isBinary()) {
      return Kind.BUFFER;
    }
    if (node.isArray()) {
      return Kind.ARRAY;
    }
    if (node.isObject()) {
      return Kind.OBJECT;
    }
    if (node instanceof POJONode pojo) {
      if (pojo.getPojo() instanceof JsDate) {
        return Kind.DATE;
      }
      if (pojo.getPojo() instanceof JsError) {
        return Kind.ERROR;
      }
      if (pojo.getPojo() == null) {
        return Kind.NULL;
      }
      throw new IOException(
          "serialize-json has no form for a " + pojo.getPojo().getClass().getName() + " value");
    }
    throw new IOException("serialize-json has no form for a " + node.getNodeType() + " node");
  }

  /** JavaScript's test {@code num % 1 === 0}: whole numbers go to the integer dictionary. */
  private static boolean isWhole(JsonNode node) {
    if (node.isIntegralNumber()) {
      return true;
    }
    if (node.isBigDecimal()) {
      BigDecimal d = node.decimalValue();
      return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
    }
    double d = toDouble(node);
    return !Double.isNaN(d) && !Double.isInfinite(d) && d == Math.rint(d);
  }

  private static double toDouble(JsonNode node) {
    // A float is the double nearest to its shortest decimal (0.1f is 0.1), as its JSON text says.
    return node.isFloat() ? Double.parseDouble(Float.toString(node.floatValue())) : node.doubleValue();
  }

  private static String integerText(JsonNode node) {
    if (node.isIntegralNumber()) {
      return node.canConvertToLong()
          ? radix36(node.longValue())
          : node.bigIntegerValue().toString(36).toUpperCase(Locale.ROOT);
    }
    if (node.isBigDecimal()) {
      return node.decimalValue().toBigInteger().toString(36).toUpperCase(Locale.ROOT);
    }
    return radix36(toDouble(node));
  }

  private static String floatText(JsonNode node) {
    if (node.isBigDecimal()) {
      BigDecimal exact = node.decimalValue();
      String js = jsNumber(exact.doubleValue());
      // The JavaScript text when it means this very decimal; else the exact text, for Java peers.
      return isFinite(exact.doubleValue()) && new BigDecimal(js).compareTo(exact) == 0 ? js : exact.toString();
    }
    return jsNumber(toDouble(node));
  }

  private static boolean isFinite(double d) {
    return !Double.isNaN(d) && !Double.isInfinite(d);
  }

  /** {@code String(d)} in JavaScript. */
  static String jsNumber(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    StringBuilder sb = new StringBuilder(24);
    JsJson.appendNumber(sb, d);
    return sb.toString();
  }

  private static String radix36(long value) {
    return Long.toString(value, 36).toUpperCase(Locale.ROOT);
  }

  /**
   * {@code d.toString(36).toUpperCase()} in JavaScript (V8) for a whole double: exact below 2^53;
   * above, V8 writes only the digits the double holds and fills the rest with zeros.
   */
  static String radix36(double d) {
    if (Math.abs(d) < TWO_POW_53) {
      return radix36((long) d); // -0 prints 0, as in JavaScript
    }
    boolean negative = d < 0;
    double integer = Math.abs(d);
    StringBuilder reversed = new StringBuilder();
    // V8's DoubleToRadixCString: while the quotient still has no fractional digits, they are zeros.
    while (Math.getExponent(integer / 36) > 52) {
      integer /= 36;
      reversed.append('0');
    }
    do {
      double remainder = integer % 36;
      reversed.append(DIGITS[(int) remainder]);
      integer = (integer - remainder) / 36;
    } while (integer > 0);
    if (negative) {
      reversed.append('-');
    }
    return reversed.reverse().toString();
  }

  /** Object members in the order JavaScript's for-in gives: array indices ascending, then the rest. */
  private static List<Map.Entry<String, JsonNode>> fields(JsonNode node) {
    List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.size());
    node.properties().forEach(fields::add);
    boolean indices = false;
    for (Map.Entry<String, JsonNode> e : fields) {
      indices |= JsJson.arrayIndex(e.getKey()) >= 0;
    }
    if (indices) {
      fields.sort((a, b) -> {
        long ia = JsJson.arrayIndex(a.getKey());
        long ib = JsJson.arrayIndex(b.getKey());
        if (ia >= 0 && ib >= 0) {
          return Long.compare(ia, ib);
        }
        return Boolean.compare(ia < 0, ib < 0);
      });
    }
    return fields;
  }

  /** An Error: message and stack first, as serialize-json writes them, then its own properties. */
  private static List<Map.Entry<String, JsonNode>> errorFields(JsError error) {
    List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
    fields.add(Map.entry("message", text(error.message())));
    fields.add(Map.entry("stack", text(error.stack())));
    for (Map.Entry<String, String> p : error.properties().entrySet()) {
      fields.add(Map.entry(p.getKey(), text(p.getValue())));
    }
    return fields;
  }

  private static JsonNode text(String s) {
    return s == null ? NullNode.getInstance() : TextNode.valueOf(s);
  }

  private static void escape(String s, StringBuilder out) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case ' ' -> out.append('+');
        case '+' -> out.append("%2B");
        case '|' -> out.append("%7C");
        case '^' -> out.append("%5E");
        case '%' -> out.append("%25");
        default -> out.append(c);
      }
    }
  }

  /** UTF-8 as Node.js's Buffer.from writes it: a lone surrogate becomes U+FFFD, not '?'. */
  private static byte[] utf8(CharSequence text) {
    String s = text.toString();
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        StringBuilder fixed = new StringBuilder(s);
        for (int j = i; j < n; j++) {
          char cj = fixed.charAt(j);
          if (Character.isHighSurrogate(cj) && j + 1 < n && Character.isLowSurrogate(fixed.charAt(j + 1))) {
            j++;
          } else if (Character.isSurrogate(cj)) {
            fixed.setCharAt(j, '\ufffd');
          }
        }
        return fixed.toString().getBytes(StandardCharsets.UTF_8);
      }
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void checkDepth(int depth) throws IOException {
    if (depth > Wire.MAX_NESTING_DEPTH) {
      throw new IOException(
          "the value nests deeper than " + Wire.MAX_NESTING_DEPTH + " levels, which peers refuse");
    }
  }

  // ---- reading ----

  /**
   * Reads serialize-json bytes.
   *
   * @param bytes the bytes of one value, exactly
   * @return the value
   * @throws IOException when the bytes are not well-formed serialize-json
   */
  static Read read(byte[] bytes) throws IOException {
    String text = new String(bytes, StandardCharsets.UTF_8);
    String[] sections = text.split("\\^", -1);
    if (sections.length != 5) {
      throw malformed("it has " + sections.length + " sections separated by '^', not 5");
    }
    List<JsonNode> dictionary = new ArrayList<>();
    int integersFrom = 0;
    int integersTo = 0;
    if (!sections[0].isEmpty()) {
      for (String s : sections[0].split("\\|", -1)) {
        dictionary.add(TextNode.valueOf(unescape(s)));
      }
    }
    integersFrom = dictionary.size();
    if (!sections[1].isEmpty()) {
      for (String s : sections[1].split("\\|", -1)) {
        dictionary.add(integer(s));
      }
    }
    integersTo = dictionary.size();
    if (!sections[2].isEmpty()) {
      for (String s : sections[2].split("\\|", -1)) {
        dictionary.add(number(s));
      }
    }
    if (!sections[3].isEmpty()) {
      for (String s : sections[3].split("\\|", -1)) {
        dictionary.add(date(s));
      }
    }
    int[] tokens = tokens(sections[4]);
    Unpacker u = new Unpacker(dictionary, integersFrom, integersTo, tokens);
    if (tokens.length == 0) {
      throw malformed("it has no value");
    }
    int first = tokens[0];
    JsonNode value = u.unpack(0);
    if (u.next != tokens.length) {
      throw malformed("tokens are left after the value");
    }
    return new Read(value, first == MARKER - '#', first == UNDEFINED);
  }

  private static final class Unpacker {
    final List<JsonNode> dictionary;
    final int integersFrom;
    final int integersTo;
    final int[] tokens;
    int next;

    Unpacker(List<JsonNode> dictionary, int integersFrom, int integersTo, int[] tokens) {
      this.dictionary = dictionary;
      this.integersFrom = integersFrom;
      this.integersTo = integersTo;
      this.tokens = tokens;
    }

    JsonNode unpack(int depth) throws IOException {
      if (next >= tokens.length) {
        throw malformed("it ends inside a container");
      }
      int token = tokens[next++];
      switch (token) {
        case TRUE:
          return BooleanNode.TRUE;
        case FALSE:
          return BooleanNode.FALSE;
        case NULL:
        case UNDEFINED:
          return NullNode.getInstance();
        case EMPTY_STRING:
          return TextNode.valueOf("");
        case MARKER - '@': {
          checkDepth(depth + 1);
          var array = JsonNodeFactory.instance.arrayNode();
          while (!closes()) {
            array.add(unpack(depth + 1));
          }
          return array;
        }
        case MARKER - '$':
        case MARKER - '#': {
          checkDepth(depth + 1);
          ObjectNode object = JsonNodeFactory.instance.objectNode();
          while (!closes()) {
            JsonNode key = unpack(depth + 1);
            if (!key.isTextual()) {
              throw malformed("an object key is a " + key.getNodeType() + ", not a string");
            }
            object.set(key.textValue(), unpack(depth + 1));
          }
          return object;
        }
        case MARKER - '*': {
          java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
          while (!closes()) {
            int t = tokens[next++];
            if (t < integersFrom || t >= integersTo || !dictionary.get(t).canConvertToInt()
                || dictionary.get(t).intValue() < 0 || dictionary.get(t).intValue() > 255) {
              throw malformed("a Buffer holds something that is not a byte");
            }
            bytes.write(dictionary.get(t).intValue());
          }
          return BinaryNode.valueOf(bytes.toByteArray());
        }
        default:
          if (token >= 0 && token < dictionary.size()) {
            return dictionary.get(token);
          }
          throw malformed(token <= MARKER
              ? "'" + (char) (MARKER - token) + "' stands where a value should"
              : "token " + token + " refers to no dictionary entry (there are " + dictionary.size() + ")");
      }
    }

    /** Whether the container ends here; consumes the ']' if so. */
    private boolean closes() throws IOException {
      if (next >= tokens.length) {
        throw malformed("a container is not closed");
      }
      if (tokens[next] == MARKER - ']') {
        next++;
        return true;
      }
      return false;
    }
  }

  private static int[] tokens(String structure) throws IOException {
    int[] tokens = new int[Math.max(4, structure.length() / 2)];
    int count = 0;
    int start = -1;
    for (int i = 0, n = structure.length(); i <= n; i++) {
      char c = i < n ? structure.charAt(i) : '|';
      boolean delimiter = c == '|' || c == '$' || c == '@' || c == '*' || c == '#' || c == ']';
      if (!delimiter) {
        if (start < 0) {
          start = i;
        }
        continue;
      }
      if (start >= 0) {
        tokens = grow(tokens, count);
        tokens[count++] = token(structure.substring(start, i));
        start = -1;
      }
      if (c != '|') {
        tokens = grow(tokens, count);
        tokens[count++] = MARKER - c;
      }
    }
    return java.util.Arrays.copyOf(tokens, count);
  }

  private static int[] grow(int[] tokens, int count) {
    return count < tokens.length ? tokens : java.util.Arrays.copyOf(tokens, tokens.length * 2);
  }

  private static int token(String s) throws IOException {
    if (s.length() > MAX_TOKEN_DIGITS || !INTEGER.matcher(s).matches()) {
      throw malformed("'" + abbreviate(s) + "' is not a token");
    }
    long value = Long.parseLong(s, 36);
    if (value < UNDEFINED || value > Integer.MAX_VALUE) {
      throw malformed("token " + s + " is out of range");
    }
    return (int) value;
  }

  private static JsonNode integer(String s) throws IOException {
    if (s.length() > MAX_INTEGER_DIGITS || !INTEGER.matcher(s).matches()) {
      throw malformed("'" + abbreviate(s) + "' is not a base-36 integer");
    }
    BigInteger value = new BigInteger(s, 36);
    if (value.bitLength() < 32) {
      return IntNode.valueOf(value.intValue());
    }
    return value.bitLength() < 64 ? LongNode.valueOf(value.longValue()) : BigIntegerNode.valueOf(value);
  }

  private static JsonNode number(String s) throws IOException {
    if (s.length() > Wire.MAX_NUMBER_LENGTH * 10 || !FLOAT.matcher(s).matches()) {
      throw malformed("'" + abbreviate(s) + "' is not a number");
    }
    double d = Double.parseDouble(s);
    if (!isFinite(d) || jsNumber(d).equals(s)) {
      return DoubleNode.valueOf(d);
    }
    BigDecimal exact = new BigDecimal(s);
    if (Math.abs((long) exact.scale()) > MAX_DECIMAL_SCALE) {
      // 1e-999999999 would be a decimal with a billion digits for whoever scales it: keep the double.
      return DoubleNode.valueOf(d);
    }
    return DecimalNode.valueOf(exact); // exact, as a Java peer wrote it
  }

  private static JsonNode date(String s) throws IOException {
    if (s.length() > MAX_TOKEN_DIGITS || !INTEGER.matcher(s).matches()) {
      throw malformed("'" + abbreviate(s) + "' is not a date");
    }
    long millis = Long.parseLong(s, 36);
    if (Math.abs(millis) > MAX_DATE_MILLIS) {
      return NullNode.getInstance(); // an invalid Date: JSON.stringify writes it as null too
    }
    return TextNode.valueOf(isoString(millis));
  }

  /** JavaScript's {@code Date.prototype.toISOString()}. */
  static String isoString(long millis) {
    java.time.LocalDateTime t =
        java.time.LocalDateTime.ofEpochSecond(
            Math.floorDiv(millis, 1000), Math.floorMod(millis, 1000) * 1_000_000, java.time.ZoneOffset.UTC);
    int year = t.getYear();
    String y = year >= 0 && year <= 9999
        ? String.format(Locale.ROOT, "%04d", year)
        : String.format(Locale.ROOT, "%s%06d", year < 0 ? "-" : "+", Math.abs(year));
    return String.format(Locale.ROOT, "%s-%02d-%02dT%02d:%02d:%02d.%03dZ",
        y, t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(),
        t.getNano() / 1_000_000);
  }

  private static String unescape(String s) {
    if (s.indexOf('+') < 0 && s.indexOf('%') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c == '+') {
        out.append(' ');
      } else if (c == '%' && escaped(s, i) != 0) {
        out.append(escaped(s, i));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The character of {@code %2B %7C %5E %25} at i (upper case only, as serialize-json), or 0. */
  private static char escaped(String s, int i) {
    if (i + 3 > s.length()) {
      return 0;
    }
    return switch (s.substring(i, i + 3)) {
      case "%2B" -> '+';
      case "%7C" -> '|';
      case "%5E" -> '^';
      case "%25" -> '%';
      default -> 0;
    };
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  private static IOException malformed(String why) {
    return new IOException(
        "not serialize-json (the default transcode of Node.js cluster-client): " + why
            + "; every process of a cluster must use the same codec");
  }
}
