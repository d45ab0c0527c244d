package io.clusterclient.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The expected strings were printed by Node.js 20 running {@code '$$inner$$__' +
 * require('json-stringify-safe')(JSON.parse(input))}, as the original's formatKey does.
 */
@Timeout(30)
class KeysTest {
  @Test
  void aPlainRegIsPrefixedCompactJson() throws Exception {
    assertThat(key("{ \"dataId\" : \"com.example.Service\", \"group\" : \"DEFAULT\" }"))
        .isEqualTo("$$inner$$__{\"dataId\":\"com.example.Service\",\"group\":\"DEFAULT\"}");
  }

  @Test
  void stringsAreEscapedExactlyAsJsonStringifyEscapesThem() throws Exception {
    String input =
        "{\"name\":\"caf\\u00e9 \\u4e2d\\u6587 \\ud83d\\ude00\",\"q\":\"say"
            + " \\\"hi\\\"\",\"bs\":\"a\\\\b\",\"ctl\":\"\\b\\f\\n"
            + "\\r"
            + "\\t\\u0001\\u001f\\u007f\",\"ls\":\"\\u2028\"}";

    assertThat(key(input))
        .isEqualTo(
            "$$inner$$__{\"name\":\"caf\u00e9 \u4e2d\u6587 \ud83d\ude00\",\"q\":\"say \\\"hi\\\"\","
                + "\"bs\":\"a\\\\b\",\"ctl\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\u007f\","
                + "\"ls\":\"\u2028\"}");
  }

  @Test
  void aLoneSurrogateIsEscapedInLowerCase() {
    assertThat(Keys.stringify(TextNode.valueOf("\ud800x\udfff"))).isEqualTo("\"\\ud800x\\udfff\"");
  }

  @Test
  void nestedObjectsArraysBooleansAndNullsKeepTheirShape() throws Exception {
    String json =
        "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}},\"arr\":[true,false,null,\"x\"],"
            + "\"empty\":{},\"ea\":[]}";

    assertThat(key(json)).isEqualTo("$$inner$$__" + json);
  }

  @Test
  void numbersArePrintedAsJavaScriptPrintsThem() throws Exception {
    String input =
        "{\"i\":42,\"neg\":-7,\"f\":1.5,\"small\":0.000001,\"tiny\":1e-7,\"big\":1e21,"
            + "\"bigint\":123456789012345678901,\"exp\":1.5e3,\"mz\":-0,\"third\":0.1,"
            + "\"p\":123456789012.125,\"x\":5e-324,\"max\":1.7976931348623157e308}";

    assertThat(key(input))
        .isEqualTo(
            "$$inner$$__{\"i\":42,\"neg\":-7,\"f\":1.5,\"small\":0.000001,\"tiny\":1e-7,"
                + "\"big\":1e+21,\"bigint\":123456789012345680000,\"exp\":1500,\"mz\":0,"
                + "\"third\":0.1,\"p\":123456789012.125,\"x\":5e-324,"
                + "\"max\":1.7976931348623157e+308}");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // Powers of two have a lopsided rounding interval; Java 17's Double.toString is not shortest.
    "5.6843418860808015E-14, 5.684341886080802e-14",
    "2.0E23, 2e+23",
    "0.30000000000000004, 0.30000000000000004",
    "-1.0E-7, -1e-7",
    "1.0E-6, 0.000001",
    "1.2345E-5, 0.000012345",
    "123456.789, 123456.789",
    "1.0E20, 100000000000000000000",
    "9.007199254740993E15, 9007199254740992",
    "NaN, null",
    "Infinity, null",
    "-0.0, 0",
  })
  void doublesMatchNumberToString(double value, String expected) {
    assertThat(Keys.stringify(DoubleNode.valueOf(value))).isEqualTo(expected);
  }

  @Test
  void integersBeyondTwoToThe53AreRoundedAsJavaScriptRoundsThem() throws Exception {
    assertThat(Keys.stringify(LongNode.valueOf(9007199254740993L))).isEqualTo("9007199254740992");
    assertThat(Keys.stringify(LongNode.valueOf(Long.MIN_VALUE))).isEqualTo("-9223372036854776000");
    assertThat(Keys.stringify(LongNode.valueOf(9007199254740992L))).isEqualTo("9007199254740992");
    assertThat(key("12345678901234567890")).isEqualTo("$$inner$$__12345678901234567000");
  }

  @Test
  void floatsAndDecimalsMeanWhatTheirJsonTextMeans() {
    assertThat(Keys.stringify(FloatNode.valueOf(0.1f))).isEqualTo("0.1");
    assertThat(Keys.stringify(JsonNodeFactory.instance.numberNode(new BigDecimal("1E+3"))))
        .isEqualTo("1000");
  }

  @Test
  void arrayIndexKeysComeFirstInAscendingOrderAsJavaScriptEnumeratesThem() throws Exception {
    assertThat(key("{\"b\":1,\"2\":2,\"a\":3,\"1\":4,\"01\":5,\"4294967295\":6,\"4294967294\":7}"))
        .isEqualTo(
            "$$inner$$__{\"1\":4,\"2\":2,\"4294967294\":7,\"b\":1,\"a\":3,\"01\":5,"
                + "\"4294967295\":6}");
  }

  @Test
  void scalarRegsAreKeysToo() throws Exception {
    assertThat(key("\"just a string\"")).isEqualTo("$$inner$$__\"just a string\"");
    assertThat(key("[1,\"two\",null]")).isEqualTo("$$inner$$__[1,\"two\",null]");
    assertThat(Keys.subscriptionKey(NullNode.getInstance())).isEqualTo("$$inner$$__null");
  }

  @Test
  void anAbsentRegIsUndefinedAsTheOriginalPrintsIt() {
    assertThat(Keys.subscriptionKey(null)).isEqualTo("$$inner$$__undefined");
    assertThat(Keys.subscriptionKey(MissingNode.getInstance())).isEqualTo("$$inner$$__undefined");
  }

  @Test
  void theKeyOfAParsedRegEqualsTheKeyOfTheRegSent() throws Exception {
    JsonNode reg =
        Wire.mapper().readTree("{\"z\":[1.5,1e-9,12345678901234567890],\"1\":\"\\u0000\"}");
    ConnObject sent = ConnObject.subscribe(Keys.subscriptionKey(reg), reg);

    ByteBuf wire = Unpooled.wrappedBuffer(sent.toJsonBytes());
    ConnObject received = ConnObject.parse(wire);
    wire.release();

    assertThat(Keys.subscriptionKey(received.reg())).isEqualTo(sent.key());
  }

  @Test
  void aRegNestedTooDeeplyIsRefused() {
    ArrayNode reg = JsonNodeFactory.instance.arrayNode();
    for (int depth = 1; depth <= Wire.MAX_NESTING_DEPTH; depth++) {
      reg = JsonNodeFactory.instance.arrayNode().add(reg);
    }
    ArrayNode tooDeep = reg;

    assertThatThrownBy(() -> Keys.subscriptionKey(tooDeep))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Keys.subscriptionKey(reg.get(0))).startsWith("$$inner$$__[[[");
  }

  private static String key(String json) throws Exception {
    return Keys.subscriptionKey(Wire.mapper().readTree(json));
  }
}
