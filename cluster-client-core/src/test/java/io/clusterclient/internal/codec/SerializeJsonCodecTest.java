package io.clusterclient.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import io.clusterclient.RemoteInvocationException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The expected bytes were printed by Node.js 20 running {@code
 * require('serialize-json').encode(value)} (serialize-json 1.0.3, installed with cluster-client
 * 3.7.0); {@code NodeSerializeJsonIT} checks the same against a live Node.js where one is installed.
 */
@Timeout(30)
class SerializeJsonCodecTest {
  private final SerializeJsonCodec codec = SerializeJsonCodec.shared();

  record Point(int x, String name) {}

  record Event(Instant at, byte[] payload) {}

  private String encode(Object value, Type type) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    codec.encode(value, type, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  private Object decode(String text, Type type) throws IOException {
    return codec.decode(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), type);
  }

  private Object decodeBase64(String base64, Type type) throws IOException {
    return codec.decode(new ByteArrayInputStream(Base64.getDecoder().decode(base64)), type);
  }

  @Test
  void scalarsAreWrittenAsNodeJsWritesThem() throws Exception {
    assertThat(encode(null, Object.class)).isEqualTo("^^^^-3");
    assertThat(encode(true, boolean.class)).isEqualTo("^^^^-1");
    assertThat(encode(false, Boolean.class)).isEqualTo("^^^^-2");
    assertThat(encode("", String.class)).isEqualTo("^^^^-4");
    assertThat(encode("a b+c|d^e%f", String.class)).isEqualTo("a+b%2Bc%7Cd%5Ee%25f^^^^0");
    assertThat(encode(null, void.class)).isEqualTo("^^^^-3");
  }

  @Test
  void numbersAreWrittenAsNodeJsWritesThem() throws Exception {
    assertThat(encode(42, int.class)).isEqualTo("^16^^^0");
    assertThat(encode(-7L, long.class)).isEqualTo("^-7^^^0");
    assertThat(encode(0.0, double.class)).isEqualTo("^0^^^0");
    assertThat(encode(-0.0, double.class)).isEqualTo("^0^^^0");
    assertThat(encode(9007199254740992d, double.class)).isEqualTo("^2GOSA7PA2GW^^^0");
    assertThat(encode(1e21, double.class)).isEqualTo("^5V1J4F4DS7C000^^^0");
    assertThat(encode(Double.MAX_VALUE, double.class))
        .isEqualTo("^1A1E4VNGAIQO" + "0".repeat(187) + "^^^0");
    assertThat(encode(-1e300, double.class)).isEqualTo("^-FHGYJDFCG7S" + "0".repeat(182) + "^^^0");
    assertThat(encode(1.5, double.class)).isEqualTo("^^1.5^^0");
    assertThat(encode(1e-7, double.class)).isEqualTo("^^1e-7^^0");
    assertThat(encode(0.1 + 0.2, double.class)).isEqualTo("^^0.30000000000000004^^0");
    assertThat(encode(0.1f, float.class)).isEqualTo("^^0.1^^0");
    assertThat(encode(Double.NaN, double.class)).isEqualTo("^^NaN^^0");
    assertThat(encode(Double.POSITIVE_INFINITY, double.class)).isEqualTo("^^Infinity^^0");
    assertThat(encode(Double.NEGATIVE_INFINITY, double.class)).isEqualTo("^^-Infinity^^0");
  }

  @Test
  void containersKeepJavaScriptsKeyOrder() throws Exception {
    assertThat(encode(List.of(1, "x", Arrays.asList(true, null), List.of()), Object.class))
        .isEqualTo("x^1^^^@1|0|@-1|-3]|@]]");
    Map<String, Object> obj = new LinkedHashMap<>();
    obj.put("b", 1);
    obj.put("2", "two");
    obj.put("a", Map.of());
    obj.put("1", "one");
    obj.put("", "e");
    // JavaScript enumerates array-index keys first, ascending: {1, 2, b, a, ""}.
    assertThat(encode(obj, Object.class)).isEqualTo("1|one|2|two|b|a|e^1^^^$0|1|2|3|4|7|5|$]|-4|6]");
  }

  @Test
  void buffersAndDatesAreTheirSpecialTypes() throws Exception {
    assertThat(encode(new byte[] {0, 1, 127, (byte) 128, (byte) 255}, byte[].class))
        .isEqualTo("^0|1|3J|3K|73^^^*0|1|2|3|4]");
    assertThat(encode(new Date(1700000000123L), Date.class)).isEqualTo("^^^LOYW3V5N^0");
    assertThat(encode(Instant.ofEpochMilli(1700000000123L), Instant.class)).isEqualTo("^^^LOYW3V5N^0");
    assertThat(encode(OffsetDateTime.parse("2023-11-14T23:13:20.123+01:00"), OffsetDateTime.class))
        .isEqualTo("^^^LOYW3V5N^0");
    assertThat(encode(new Date(-1), Object.class)).isEqualTo("^^^-1^0");
    assertThat(encode(new Event(Instant.ofEpochMilli(1700000000123L), new byte[] {7}), Event.class))
        .isEqualTo("at|payload^7^^LOYW3V5N^$0|3|1|*2]]");
  }

  @Test
  void textIsUtf8AsBufferFromWritesIt() throws Exception {
    assertThat(Base64.getEncoder().encodeToString(codec.encodeToBytes("café 中文 😀", String.class)))
        .isEqualTo("Y2Fmw6kr5Lit5paHK/CfmIBeXl5eMA==");
    assertThat(Base64.getEncoder().encodeToString(codec.encodeToBytes("\ud800x", String.class)))
        .isEqualTo("77+9eF5eXl4w");
  }

  @Test
  void whatNodeJsWritesIsReadAsTheDeclaredTypes() throws Exception {
    assertThat(decode("^^^^-5", String.class)).isNull(); // undefined
    assertThat(decode("^^^^-5", int.class)).isEqualTo(0);
    assertThat(decode("a+b%2Bc%7Cd%5Ee%25f^^^^0", String.class)).isEqualTo("a b+c|d^e%f");
    assertThat(decode("%252B^^^^0", String.class)).isEqualTo("%2B");
    assertThat(decode("^16^^^0", Object.class)).isEqualTo(42);
    assertThat(decode("^2GOSA7PA2GW^^^0", Object.class)).isEqualTo(9007199254740992L);
    assertThat(decode("^^NaN^^0", double.class)).isEqualTo(Double.NaN);
    assertThat(decode("^^-Infinity^^0", Double.class)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(decode("^^0.30000000000000004^^0", Object.class)).isEqualTo(0.30000000000000004);
    assertThat(decode("x^1^^^@1|0|@-1|-3]|@]]", Object.class))
        .isEqualTo(List.of(1, "x", Arrays.asList(true, null), List.of()));
    @SuppressWarnings("unchecked")
    Map<String, Object> obj = (Map<String, Object>) decode("1|one|2|two|b|a|e^1^^^$0|1|2|3|4|7|5|$]|-4|6]", Object.class);
    assertThat(obj.keySet()).containsExactly("1", "2", "b", "a", "");
    assertThat(decode("^0|1|3J|3K|73^^^*0|1|2|3|4]", byte[].class))
        .isEqualTo(new byte[] {0, 1, 127, (byte) 128, (byte) 255});
    assertThat(decode("^0|1|3J|3K|73^^^*0|1|2|3|4]", Object.class))
        .isEqualTo(new byte[] {0, 1, 127, (byte) 128, (byte) 255});
    assertThat(decode("^^^LOYW3V5N^0", Date.class)).isEqualTo(new Date(1700000000123L));
    assertThat(decode("^^^LOYW3V5N^0", Instant.class)).isEqualTo(Instant.ofEpochMilli(1700000000123L));
    assertThat(decode("^^^LOYW3V5N^0", Object.class)).isEqualTo("2023-11-14T22:13:20.123Z");
    assertThat(decode("^^^-1^0", Object.class)).isEqualTo("1969-12-31T23:59:59.999Z");
    assertThat(decode("at|payload^7^^LOYW3V5N^$0|3|1|*2]]", Event.class))
        .satisfies(e -> {
          Event event = (Event) e;
          assertThat(event.at()).isEqualTo(Instant.ofEpochMilli(1700000000123L));
          assertThat(event.payload()).containsExactly(7);
        });
    assertThat(decode("x|name|p^3^^^$0|3|1|2]", Point.class)).isEqualTo(new Point(3, "p"));
  }

  /** A Node.js Error: new Error('boom') with name 'EchoError' and code 'E1', as Node.js 20 wrote it. */
  private static final String NODE_ERROR =
      "bWVzc2FnZXxib29tfHN0YWNrfEVjaG9FcnJvcjorYm9vbQorKysrYXQrT2JqZWN0Ljxhbm9ueW1vdXM+KygvdG1wL3NqX3Byb2JlLmpz"
          + "Ojg6MjIpCisrKythdCtNb2R1bGUuX2NvbXBpbGUrKG5vZGU6aW50ZXJuYWwvbW9kdWxlcy9janMvbG9hZGVyOjE1MjE6MTQpCisr"
          + "KythdCtNb2R1bGUuX2V4dGVuc2lvbnMuLmpzKyhub2RlOmludGVybmFsL21vZHVsZXMvY2pzL2xvYWRlcjoxNjIzOjEwKQorKysr"
          + "YXQrTW9kdWxlLmxvYWQrKG5vZGU6aW50ZXJuYWwvbW9kdWxlcy9janMvbG9hZGVyOjEyNjY6MzIpCisrKythdCtNb2R1bGUuX2xv"
          + "YWQrKG5vZGU6aW50ZXJuYWwvbW9kdWxlcy9janMvbG9hZGVyOjEwOTE6MTIpCisrKythdCtGdW5jdGlvbi5leGVjdXRlVXNlckVu"
          + "dHJ5UG9pbnQrW2FzK3J1bk1haW5dKyhub2RlOmludGVybmFsL21vZHVsZXMvcnVuX21haW46MTY0OjEyKQorKysrYXQrbm9kZTpp"
          + "bnRlcm5hbC9tYWluL3J1bl9tYWluX21vZHVsZToyODo0OXxuYW1lfEVjaG9FcnJvcnxjb2RlfEUxXl5eXiMwfDF8MnwzfDR8NXw2"
          + "fDdd";

  @Test
  void aNodeJsErrorBecomesARemoteInvocationExceptionNeverAClassOfTheWiresChoosing() throws Exception {
    for (Type type : List.of(Object.class, Throwable.class, Exception.class, RuntimeException.class,
        RemoteInvocationException.class)) {
      Object decoded = decodeBase64(NODE_ERROR, type);
      assertThat(decoded).isInstanceOf(RemoteInvocationException.class);
      RemoteInvocationException e = (RemoteInvocationException) decoded;
      assertThat(e.remoteClassName()).isEqualTo("EchoError");
      assertThat(e.remoteMessage()).isEqualTo("boom");
      assertThat(e.code()).isEqualTo("E1");
      assertThat(e.remoteStackTrace()).contains("at Object.<anonymous> (/tmp/sj_probe.js:8:22)");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = (Map<String, Object>) decodeBase64(NODE_ERROR, Map.class);
    assertThat(fields).containsEntry("name", "EchoError").containsEntry("code", "E1").containsKey("stack");
  }

  @Test
  void aThrowableIsWrittenAsAnError() throws Exception {
    IllegalStateException error = new IllegalStateException("bad state");
    String text = encode(error, Object.class);
    assertThat(text).startsWith("message|bad+state|stack|java.lang.IllegalStateException:+bad+state\n")
        .endsWith("|name|java.lang.IllegalStateException^^^^#0|1|2|3|4|5]");
    Object back = decode(text, Throwable.class);
    assertThat(back).isInstanceOf(RemoteInvocationException.class);
    assertThat(((RemoteInvocationException) back).remoteClassName()).isEqualTo("java.lang.IllegalStateException");
  }

  @Test
  void javaValuesComeBackExactly() throws Exception {
    Type type = new TypeReference<Map<String, List<Long>>>() {}.getType();
    Map<String, List<Long>> value = Map.of("big", List.of(Long.MAX_VALUE, Long.MIN_VALUE, 1L << 60));
    assertThat(decode(encode(value, type), type)).isEqualTo(value);
    assertThat(decode(encode(new java.math.BigDecimal("0.1000000000000000000001"), java.math.BigDecimal.class),
        java.math.BigDecimal.class)).isEqualTo(new java.math.BigDecimal("0.1000000000000000000001"));
    assertThat(decode(encode(new Point(-3, "a b|c"), Point.class), Point.class)).isEqualTo(new Point(-3, "a b|c"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "^^^", "^^^^^0", "^^^^", "^^^^@", "^^^^@0]", "^^^^5", "^^^^$-1|-2]", "x^^^^*0]",
      "^999^^^*0]", "^^1.5x^^0", "^^^^-6", "^^^^]", "^^^^-3|-3", "^^^^ZZZZZZZZZZZZZZ",
      "^ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"
          + "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"
          + "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ^^^0"
  })
  void malformedInputIsRefusedNamingTheCodec(String input) {
    assertThatThrownBy(() -> decode(input, Object.class))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not serialize-json")
        .hasMessageContaining("same codec");
  }

  @Test
  void noBytesAtAllIsNoValue() throws Exception {
    assertThat(decode("", String.class)).isNull();
    assertThat(decode("", long.class)).isEqualTo(0L);
  }

  @Test
  void nestingIsBoundedBothWays() throws Exception {
    String deep = "^^^^" + "@".repeat(65) + "]".repeat(65);
    assertThatThrownBy(() -> decode(deep, Object.class)).hasMessageContaining("nests deeper than 64");
    Object nested = List.of();
    for (int i = 0; i < 70; i++) {
      nested = List.of(nested);
    }
    Object tooDeep = nested;
    assertThatThrownBy(() -> encode(tooDeep, Object.class)).hasMessageContaining("nests deeper than 64");
  }

  @Test
  void aMalformedUtf8ByteIsReadAsNodeJsReadsIt() throws Exception {
    byte[] bytes = {(byte) 0xff, '^', '^', '^', '^', '0'};
    assertThat(codec.decodeBytes(bytes, String.class)).isEqualTo("\ufffd");
  }

  @Test
  void typesTheMapperCannotReadFailTheCheckAsWithJson() {
    assertThatThrownBy(() -> codec.check(Runnable.class)).isInstanceOf(IllegalArgumentException.class);
  }
}
