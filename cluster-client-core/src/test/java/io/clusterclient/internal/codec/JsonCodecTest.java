package io.clusterclient.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.impl.LaissezFaireSubTypeValidator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class JsonCodecTest {
  private final JsonCodec codec = new JsonCodec();

  record Point(int x, String name) {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
  interface Shape {}

  record Circle(double r) implements Shape {}

  record Holder(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object value) {}

  @Test
  void genericTypesComeBackTyped() throws Exception {
    Type type = new TypeReference<List<Map<String, Integer>>>() {}.getType();
    List<Map<String, Integer>> value = List.of(Map.of("a", 1), Map.of("b", 2));

    String json = encode(value, type);
    Object decoded = decode(json, type);

    assertThat(json).isEqualTo("[{\"a\":1},{\"b\":2}]");
    assertThat(decoded).isEqualTo(value);
  }

  @Test
  void recordsRoundTripAndUnknownPropertiesAreIgnored() throws Exception {
    assertThat(encode(new Point(3, "p"), Point.class)).isEqualTo("{\"x\":3,\"name\":\"p\"}");
    assertThat(decode("{\"x\":3,\"name\":\"p\",\"addedLater\":[1]}", Point.class))
        .isEqualTo(new Point(3, "p"));
  }

  @Test
  void theBytesAreWhatJsonStringifyWritesAndJsonParseReads() throws Exception {
    assertThat(encode("hi", String.class)).isEqualTo("\"hi\"");
    assertThat(encode(Map.of("success", true), Object.class)).isEqualTo("{\"success\":true}");
    assertThat(encode("caf\u00e9", String.class)).isEqualTo("\"caf\u00e9\"");
    assertThat(decode("{\"stack\":\"s\",\"name\":\"Error\",\"message\":\"m\"}", Object.class))
        .isEqualTo(Map.of("stack", "s", "name", "Error", "message", "m"));
  }

  @Test
  void nullAndVoidEncodeAsJsonNullAndDecodeToNull() throws Exception {
    assertThat(encode(null, String.class)).isEqualTo("null");
    assertThat(encode("ignored", void.class)).isEqualTo("null");
    assertThat(encode(null, Void.class)).isEqualTo("null");
    assertThat(decode("null", String.class)).isNull();
    assertThat(decode("\"anything\"", void.class)).isNull();
    assertThat(decode("null", Void.class)).isNull();
  }

  @Test
  void anEmptyApplicationObjectDecodesToNullOrThePrimitiveDefault() throws Exception {
    assertThat(decode("", String.class)).isNull();
    assertThat(decode("", Object.class)).isNull();
    assertThat(decode("", Point.class)).isNull();
    assertThat(decode("", int.class)).isEqualTo(0);
    assertThat(decode("", boolean.class)).isEqualTo(false);
  }

  @Test
  void aHostileObjectNamingAClassDecodesAsAPlainMap() throws Exception {
    Object decoded =
        decode(
            "{\"@class\":\"java.net.URL\",\"protocol\":\"http\",\"host\":\"evil\"}", Object.class);

    assertThat(decoded).isInstanceOf(Map.class).isNotInstanceOf(URL.class);
    assertThat(decoded)
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("@class", "java.net.URL");
  }

  @Test
  void aHostileWrapperArrayDecodesAsAPlainList() throws Exception {
    Object decoded =
        decode("[\"java.util.HashMap\",{\"a\":[\"java.net.URL\",\"http://evil\"]}]", Object.class);

    assertThat(decoded)
        .isEqualTo(
            List.of("java.util.HashMap", Map.of("a", List.of("java.net.URL", "http://evil"))));
  }

  @Test
  void aClassNameUnderObjectIsRefusedEvenWhereAnAnnotationAsksForOne() {
    assertThatThrownBy(() -> decode("{\"value\":{\"@class\":\"java.util.HashMap\"}}", Holder.class))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("java.util.HashMap")
        .hasMessageContaining("denied resolution");
  }

  @Test
  void aClassNameUnderTheApplicationsOwnBaseTypeIsAllowed() throws Exception {
    String json = encode(new Circle(2.5), Shape.class);

    assertThat(json).contains("\"@class\":\"" + Circle.class.getName() + "\"");
    assertThat(decode(json, Shape.class)).isEqualTo(new Circle(2.5));
  }

  @Test
  void aMapperWithDefaultTypingIsRefused() {
    ObjectMapper laissezFaire =
        JsonMapper.builder().activateDefaultTyping(LaissezFaireSubTypeValidator.instance).build();
    ObjectMapper allowList =
        new ObjectMapper()
            .activateDefaultTyping(
                BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build(),
                ObjectMapper.DefaultTyping.NON_FINAL);

    assertThatThrownBy(() -> new JsonCodec(laissezFaire))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("default typing");
    assertThatThrownBy(() -> new JsonCodec(allowList))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("remote code execution");
  }

  @Test
  void theGivenMapperIsCopiedNotChanged() throws Exception {
    ObjectMapper mine =
        JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    JsonCodec fromMine = new JsonCodec(mine);

    assertThat(mine.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)).isTrue();
    assertThat(decode(fromMine, "{\"x\":1,\"name\":\"n\",\"extra\":0}", Point.class))
        .isEqualTo(new Point(1, "n"));
  }

  @Test
  void theStreamsAreNeverClosed() throws Exception {
    boolean[] closed = new boolean[2];
    ByteArrayOutputStream out =
        new ByteArrayOutputStream() {
          @Override
          public void close() {
            closed[0] = true;
          }
        };
    InputStream in =
        new ByteArrayInputStream("[1]".getBytes(StandardCharsets.UTF_8)) {
          @Override
          public void close() {
            closed[1] = true;
          }
        };

    codec.encode(List.of(1), Object.class, out);
    codec.decode(in, Object.class);

    assertThat(closed).containsExactly(false, false);
  }

  @Test
  void deeplyNestedInputIsRefused() {
    String deep = "[".repeat(1000) + "]".repeat(1000);

    assertThatThrownBy(() -> decode(deep, Object.class))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("nesting depth");
  }

  @Test
  void trailingGarbageIsRefusedAsJsonParseWould() {
    assertThatThrownBy(() -> decode("1 2", Object.class)).isInstanceOf(IOException.class);
  }

  @Test
  void longStringsWithinTheFrameAreAccepted() throws Exception {
    String big = "x".repeat(3 << 20);

    assertThat(decode(encode(big, String.class), String.class)).isEqualTo(big);
  }

  @Test
  void theSharedInstanceIsOneInstance() {
    assertThat(JsonCodec.shared()).isSameAs(JsonCodec.shared());
  }

  private String encode(Object value, Type type) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    codec.encode(value, type, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  private Object decode(String json, Type type) throws IOException {
    return decode(codec, json, type);
  }

  private static Object decode(JsonCodec codec, String json, Type type) throws IOException {
    return codec.decode(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), type);
  }
}
