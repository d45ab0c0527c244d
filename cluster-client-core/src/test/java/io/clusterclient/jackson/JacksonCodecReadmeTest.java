package io.clusterclient.jackson;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's codec snippet, as written there, and what it does. */
@Timeout(10)
class JacksonCodecReadmeTest {
  public record Account(String accountId, Long cents) {}

  @Test
  void theReadmeSnippetCompilesAndItsCodecKeepsTheDefaultsAndAddsTheModule() throws Exception {
    Module myModule = new SimpleModule("mine").addSerializer(Long.class, ToStringSerializer.instance);
    ObjectMapper objectMapper = new ObjectMapper();

    // ---- as in README.md, "Values: one behaviour in every process" ----
    ClusterOptions options = ClusterOptions.builder()
        .codec(JacksonCodec.customized(mapper -> mapper
            .addModule(myModule)                                        // any Jackson module
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)))
        .build();
    // or a mapper of your own, used as it is: JacksonCodec.of(objectMapper);
    // JacksonCodec.defaultMapperBuilder() starts one from the library's defaults
    // ----

    ClusterCodec codec = options.codec().orElseThrow();
    assertThat(write(codec, new Account("a1", 250L), Account.class))
        .isEqualTo("{\"account_id\":\"a1\",\"cents\":\"250\"}");
    // The defaults are still there: Optional and java.time.
    assertThat(write(codec, Optional.of(LocalDate.of(2026, 11, 30)), Optional.class))
        .isEqualTo("\"2026-11-30\"");
    assertThat(codec.decode(
            new ByteArrayInputStream("{\"account_id\":\"a1\",\"cents\":250}".getBytes(StandardCharsets.UTF_8)),
            Account.class))
        .isEqualTo(new Account("a1", 250L));
    assertThat(JacksonCodec.of(objectMapper)).isNotNull();
    assertThat(JacksonCodec.defaults()).isSameAs(JacksonCodec.defaults());
  }

  private static String write(ClusterCodec codec, Object value, Class<?> type) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    codec.encode(value, type, out);
    return out.toString(StandardCharsets.UTF_8);
  }
}
