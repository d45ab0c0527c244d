package io.clusterclient.internal.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.clusterclient.ClusterCodec;
import io.clusterclient.RemoteInvocationException;
import io.clusterclient.internal.codec.SerializeJson.JsDate;
import io.clusterclient.internal.codec.SerializeJson.JsError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.Calendar;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link ClusterCodec} that writes and reads the bytes of {@code serialize-json}, the default
 * {@code transcode} of Node.js cluster-client 3.x, so that a Node.js process on its defaults can
 * lead or follow Java processes. Values are mapped to and from their declared Java types by a
 * hardened Jackson mapper, exactly as by {@link JsonCodec}; what serialize-json adds over JSON maps
 * as follows:
 *
 * <ul>
 *   <li>a Buffer is a {@code byte[]} (also a {@code ByteBuffer} when written);
 *   <li>a Date is written from a {@link Date}, {@link Calendar}, {@link Instant}, {@link
 *       OffsetDateTime} or {@link ZonedDateTime} (to the millisecond, as JavaScript keeps it), and
 *       read as any type Jackson reads from ISO-8601 text (its {@code toISOString()}; a value
 *       declared {@code Object} gets that text, as after {@code JSON.stringify});
 *   <li>an Error is written from a {@link Throwable} (its message, its Java stack trace, {@code
 *       name} = the class name, and {@code code} when it has one). Read: a value declared {@code
 *       Object}, {@code Throwable}, {@code Exception}, {@code RuntimeException}, {@code
 *       ClusterException} or {@code RemoteInvocationException} becomes a {@link
 *       RemoteInvocationException} carrying the remote name, message, code and stack, the same
 *       handling as an error a leader reports; any other declared type reads its fields (message,
 *       stack, name, code) as an object. The wire never chooses a class.
 *   <li>undefined reads as null; NaN and the infinities survive, as between Node.js peers.
 * </ul>
 *
 * <p>Thread-safe: the mapper is configured once, then only read.
 */
public final class SerializeJsonCodec implements ClusterCodec {
  private static final class Shared {
    static final SerializeJsonCodec INSTANCE = new SerializeJsonCodec(JsonCodec.defaultMapperBuilder());
  }

  private final JsonCodec json;

  /**
   * Creates a codec from a mapper builder (modules, naming and the like), hardened as {@link
   * JsonCodec} hardens its mapper; the builder is used, then left as it was given.
   *
   * @param builder the mapper's builder, for example {@link JsonCodec#defaultMapperBuilder()}
   * @throws IllegalArgumentException if the mapper has default typing activated
   */
  public SerializeJsonCodec(JsonMapper.Builder builder) {
    Objects.requireNonNull(builder, "builder");
    // Registered last, so that these serializers win over the java.time module's.
    this.json = new JsonCodec(builder.build().registerModule(specialTypes()));
  }

  /**
   * Returns the shared instance with the default mapper.
   *
   * @return the codec
   */
  public static SerializeJsonCodec shared() {
    return Shared.INSTANCE;
  }

  @Override
  public void encode(Object value, Type type, OutputStream out) throws IOException {
    out.write(encodeToBytes(value, type));
  }

  /**
   * Writes one value to a new array.
   *
   * @param value the value, possibly null
   * @param type its declared type
   * @return the serialize-json bytes
   * @throws IOException when the value cannot be written
   */
  public byte[] encodeToBytes(Object value, Type type) throws IOException {
    JsonNode tree;
    if (value == null || type == void.class || type == Void.class) {
      tree = NullNode.getInstance();
    } else {
      TokenBuffer buffer = new TokenBuffer(json.mapper(), false);
      json.writer(type).writeValue(buffer, value);
      try (var parser = buffer.asParser(json.mapper())) {
        tree = json.mapper().readTree(parser);
      }
    }
    return SerializeJson.write(tree);
  }

  @Override
  public Object decode(InputStream in, Type type) throws IOException {
    return decodeBytes(in.readAllBytes(), type);
  }

  /**
   * Reads one value from an array.
   *
   * @param bytes the value's bytes, exactly
   * @param type its declared type
   * @return the value, possibly null
   * @throws IOException when the bytes are not serialize-json, or not a value of that type
   */
  public Object decodeBytes(byte[] bytes, Type type) throws IOException {
    if (type == void.class || type == Void.class) {
      return null;
    }
    if (bytes.length == 0) {
      return json.decodeBytes(bytes, type); // no value: null, or a primitive's default
    }
    SerializeJson.Read read = SerializeJson.read(bytes);
    if (read.undefined()) {
      return json.decodeBytes(new byte[0], type);
    }
    if (read.error() && type instanceof Class<?> c && c.isAssignableFrom(RemoteInvocationException.class)) {
      return RemoteErrors.decode(
          json.mapper().convertValue(read.value(), Map.class), null, "an Error value from a peer");
    }
    return json.reader(type).readValue(read.value());
  }

  @Override
  public void check(Type type) {
    json.check(type);
  }

  private static SimpleModule specialTypes() {
    SimpleModule module = new SimpleModule("serialize-json special types");
    module.addSerializer(Date.class, new DateSerializer<>(Date.class, Date::getTime));
    module.addSerializer(Calendar.class, new DateSerializer<>(Calendar.class, Calendar::getTimeInMillis));
    module.addSerializer(Instant.class, new DateSerializer<>(Instant.class, Instant::toEpochMilli));
    module.addSerializer(
        OffsetDateTime.class, new DateSerializer<>(OffsetDateTime.class, t -> t.toInstant().toEpochMilli()));
    module.addSerializer(
        ZonedDateTime.class, new DateSerializer<>(ZonedDateTime.class, t -> t.toInstant().toEpochMilli()));
    module.addSerializer(Throwable.class, new ErrorSerializer());
    return module;
  }

  /** A point in time as a JavaScript Date; as ISO-8601 text where no serialize-json tree is built. */
  private static final class DateSerializer<T> extends StdSerializer<T> {
    private static final long serialVersionUID = 1L;
    private final transient java.util.function.ToLongFunction<T> millis;

    DateSerializer(Class<T> type, java.util.function.ToLongFunction<T> millis) {
      super(type);
      this.millis = millis;
    }

    @Override
    public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      long ms = millis.applyAsLong(value);
      if (gen instanceof TokenBuffer) {
        gen.writeEmbeddedObject(new JsDate(ms));
      } else {
        gen.writeString(SerializeJson.isoString(ms));
      }
    }
  }

  /** A Throwable as a JavaScript Error: message, stack, name, code. */
  private static final class ErrorSerializer extends StdSerializer<Throwable> {
    private static final long serialVersionUID = 1L;

    ErrorSerializer() {
      super(Throwable.class);
    }

    @Override
    public void serialize(Throwable t, JsonGenerator gen, SerializerProvider provider) throws IOException {
      Map<String, Object> wire = RemoteErrors.encode(t);
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put("name", String.valueOf(wire.get("name")));
      if (wire.get("code") != null) {
        properties.put("code", String.valueOf(wire.get("code")));
      }
      String stack = String.valueOf(wire.get("stack"));
      if (gen instanceof TokenBuffer) {
        gen.writeEmbeddedObject(new JsError(t.getMessage(), stack, properties));
      } else {
        gen.writeStartObject();
        gen.writeStringField("message", t.getMessage());
        gen.writeStringField("stack", stack);
        for (Map.Entry<String, String> p : properties.entrySet()) {
          gen.writeStringField(p.getKey(), p.getValue());
        }
        gen.writeEndObject();
      }
    }
  }
}
