package io.clusterclient.jackson;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterOptions;
import io.clusterclient.internal.codec.JsonCodec;
import io.clusterclient.internal.codec.SerializeJsonCodec;
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
 *
 * <p>{@link #serializeJson()} writes the bytes of {@code serialize-json} instead of JSON: the default
 * {@code transcode} of Node.js cluster-client, for clusters that Node.js processes on their defaults
 * join (every process of the cluster, Java or Node.js, must then use it):
 *
 * <pre>{@code
 * ClusterOptions options = ClusterOptions.builder()
 *     .allowUnauthenticated(true)               // Node.js peers cannot prove the owner's secret
 *     .codec(JacksonCodec.serializeJson())
 *     .build();
 * }</pre>
 *
 * <p>Thread-safe: every codec made here is immutable.
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
   * Returns the codec of Node.js cluster-client's default {@code transcode}, {@code serialize-json}
   * (npm {@code serialize-json} 1.0.3): it writes exactly the bytes that Node.js writes for the same
   * value, and reads what Node.js writes, Buffers, Dates and Errors included. Values are mapped to
   * their declared Java types by the default mapper, as with {@link #defaults()}; a Buffer is a
   * {@code byte[]}, a Date is written from a {@code Date}, {@code Instant}, {@code OffsetDateTime},
   * {@code ZonedDateTime} or {@code Calendar} and read as ISO-8601 text by whatever type is declared,
   * and an Error read as {@code Object} or as an exception type is a {@link
   * io.clusterclient.RemoteInvocationException} (an Error is written from a {@code Throwable}).
   *
   * @return the shared serialize-json codec
   */
  public static ClusterCodec serializeJson() {
    return SerializeJsonCodec.shared();
  }

  /**
   * Returns a serialize-json codec (see {@link #serializeJson()}) whose mapper starts from the
   * default modules and settings, changed by the customizer.
   *
   * @param customizer adds modules, changes features, naming and the like
   * @return a new codec
   * @throws IllegalArgumentException if the customizer activates default typing
   */
  public static ClusterCodec serializeJson(Consumer<? super JsonMapper.Builder> customizer) {
    Objects.requireNonNull(customizer, "customizer");
    JsonMapper.Builder builder = JsonCodec.defaultMapperBuilder();
    customizer.accept(builder);
    return new SerializeJsonCodec(builder);
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
