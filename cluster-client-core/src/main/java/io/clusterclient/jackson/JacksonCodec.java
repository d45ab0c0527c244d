package io.clusterclient.jackson;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterOptions;
import io.clusterclient.internal.codec.JsonCodec;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The JSON codecs of application objects (arguments, results, pushed values), made with Jackson,
 * to pass to {@link ClusterOptions.Builder#codec}. Every process of a cluster must use an
 * equivalent one.
 *
 * <p>{@link #defaults()} is what a client uses when no codec is set: Jackson's defaults plus the
 * modules for {@code Optional} and the other JDK 8 types ({@code jackson-datatype-jdk8}), {@code
 * java.time} ({@code jackson-datatype-jsr310}, written as ISO-8601 text, as {@code JSON.stringify}
 * writes a Date) and constructor parameter names ({@code jackson-module-parameter-names}). To add a
 * module or change a setting, start from those defaults:
 *
 * <pre>{@code
 * ClusterOptions options = ClusterOptions.builder()
 *     .codec(JacksonCodec.customized(b -> b.addModule(new KotlinModule.Builder().build())))
 *     .build();
 * }</pre>
 *
 * <p>Whatever the mapper, every codec made here is hardened the same way, because the bytes come
 * from any local process that can reach the port: a mapper with default typing is refused (it lets
 * the input name a class to instantiate), polymorphism by class name is only allowed below a base
 * type of the application's own unless the mapper chose its own validator, nesting and number
 * lengths are bounded, unknown properties are ignored. The given mapper is copied, never changed.
 */
public final class JacksonCodec {
  private JacksonCodec() {}

  /**
   * Returns the default codec, the one a client uses when no codec is set.
   *
   * @return the shared default codec
   */
  public static ClusterCodec defaults() {
    return JsonCodec.shared();
  }

  /**
   * Returns a builder preset with the default codec's modules and settings, to build a mapper of
   * one's own for {@link #of(ObjectMapper)}.
   *
   * @return a new builder
   */
  public static JsonMapper.Builder defaultMapperBuilder() {
    return JsonCodec.defaultMapperBuilder();
  }

  /**
   * Returns a codec of the default modules and settings, changed by the customizer.
   *
   * @param customizer adds modules, changes features, naming and the like
   * @return a new codec
   * @throws IllegalArgumentException if the customizer activates default typing
   */
  public static ClusterCodec customized(Consumer<? super JsonMapper.Builder> customizer) {
    Objects.requireNonNull(customizer, "customizer");
    JsonMapper.Builder builder = JsonCodec.defaultMapperBuilder();
    customizer.accept(builder);
    return new JsonCodec(builder.build());
  }

  /**
   * Returns a codec of a mapper of one's own: a copy keeps its modules and settings, gets none of
   * the default modules (start from {@link #defaultMapperBuilder()} to keep them), and is hardened
   * as described above (unknown properties ignored, trailing tokens refused, class names only below
   * the application's own base types unless the mapper chose its own validator).
   *
   * @param mapper the mapper; copied, not changed
   * @return a new codec
   * @throws IllegalArgumentException if the mapper has default typing activated
   */
  public static ClusterCodec of(ObjectMapper mapper) {
    return new JsonCodec(mapper);
  }
}
