package io.clusterclient.internal.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.deser.AbstractDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBase;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.impl.LaissezFaireSubTypeValidator;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.clusterclient.ClusterCodec;
import io.clusterclient.internal.protocol.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default {@link ClusterCodec}: plain JSON through Jackson, the same bytes a Node.js
 * cluster-client writes and reads with {@code transcode: {encode: v =>
 * Buffer.from(JSON.stringify(v)), decode: b => JSON.parse(b)}}.
 *
 * <p>Values are written and read as their declared type (a parameter's or return type), so generic
 * types such as {@code List<Map<String, Integer>>} come back typed; a value declared {@code Object}
 * comes back as JSON's plain shapes (maps, lists, strings, numbers, booleans, null). {@code void}
 * and {@code Void} write {@code null} and read as null; an empty application object (Node.js sends
 * none for {@code undefined}) reads as null, or as a primitive's default.
 *
 * <p>Hardened, because the bytes come from any local process that can reach the port: default
 * typing is never enabled and a mapper that has it is refused, since it lets the input name any
 * class to instantiate; annotation-driven polymorphism by class name is only allowed below a
 * declared base type of the application's own (not {@code Object}, not a {@code java.*} type),
 * unless the given mapper chose its own validator; nesting and number lengths are bounded as for
 * connection objects (string length is bounded by the frame limit instead). Unknown properties are
 * ignored, so peers can add fields. The codec never closes the streams it is given.
 *
 * <p>Thread-safe: the mapper is copied and configured once, then only read.
 */
public final class JsonCodec implements ClusterCodec {
  /** Strings in application objects are bounded by maxFrameLength, not by this. */
  private static final int MAX_STRING_LENGTH = Integer.MAX_VALUE / 2;

  private static final PolymorphicTypeValidator APPLICATION_BASE_TYPES_ONLY =
      BasicPolymorphicTypeValidator.builder()
          .allowIfBaseType(
              new BasicPolymorphicTypeValidator.TypeMatcher() {
                @Override
                public boolean match(MapperConfig<?> config, Class<?> base) {
                  // Object, Serializable, Comparable, collections...: every gadget class is a
                  // subtype of these, so a class name below them is never trusted.
                  String name = base.getName();
                  return base != Object.class
                      && !name.startsWith("java.")
                      && !name.startsWith("javax.");
                }
              })
          .build();

  private static final class Shared {
    static final JsonCodec INSTANCE = new JsonCodec();
  }

  private final ObjectMapper mapper;
  /** Built with the default mapper: a plain string is then exactly its JSON text. */
  private final boolean plain;
  /**
   * Readers and writers per declared type: immutable, and costly enough to build on every call. The
   * types are those of delegated methods, a bounded set; past {@link #MAX_CACHED_TYPES} the cache
   * starts over rather than grow (Jackson keeps its own bounded caches beneath).
   */
  private final Map<Type, ObjectReader> readers = new ConcurrentHashMap<>();

  private final Map<Type, ObjectWriter> writers = new ConcurrentHashMap<>();
  private static final int MAX_CACHED_TYPES = 1024;

  /** Creates a codec with the default mapper ({@link #defaultMapperBuilder()}), hardened as described above. */
  public JsonCodec() {
    this(defaultMapperBuilder().build(), true);
  }

  /**
   * Returns a builder of the default mapper: Jackson's defaults plus the modules for {@code
   * Optional} and the other JDK 8 types, {@code java.time} and parameter names, with dates and
   * times written as ISO-8601 text (as {@code JSON.stringify} writes a Date) rather than numbers.
   *
   * @return a new builder
   */
  public static JsonMapper.Builder defaultMapperBuilder() {
    return JsonMapper.builder()
        .addModule(new Jdk8Module())
        .addModule(new JavaTimeModule())
        .addModule(new ParameterNamesModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
  }

  /**
   * Creates a codec from a copy of the given mapper (its modules, naming and the like), hardened as
   * described above; the given mapper is not changed.
   *
   * @param mapper the mapper to copy
   * @throws IllegalArgumentException if the mapper has default typing activated
   */
  public JsonCodec(ObjectMapper mapper) {
    this(mapper, false);
  }

  private JsonCodec(ObjectMapper mapper, boolean plain) {
    Objects.requireNonNull(mapper, "mapper");
    if (mapper.getSerializationConfig().getDefaultTyper(null) != null
        || mapper.getDeserializationConfig().getDefaultTyper(null) != null) {
      throw new IllegalArgumentException(
          "the ObjectMapper has default typing activated (activateDefaultTyping or"
              + " enableDefaultTyping): it would let any process that can reach the cluster port"
              + " name a class to instantiate, a remote code execution risk; pass a mapper without"
              + " default typing, and use @JsonTypeInfo with type names where polymorphism is"
              + " needed");
    }
    ObjectMapper copy = mapper.copy();
    copy.getFactory().setStreamReadConstraints(Wire.readConstraints(MAX_STRING_LENGTH));
    // The streams belong to the caller (they frame one value inside a packet).
    copy.getFactory().configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
    copy.getFactory().configure(JsonParser.Feature.AUTO_CLOSE_SOURCE, false);
    copy.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    // JSON.parse rejects trailing garbage; so do we, rather than ignore half a payload.
    copy.configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
    if (copy.getPolymorphicTypeValidator() instanceof LaissezFaireSubTypeValidator) {
      copy.setPolymorphicTypeValidator(APPLICATION_BASE_TYPES_ONLY);
    }
    this.mapper = copy;
    this.plain = plain;
  }

  /**
   * Returns whether this codec uses the default mapper, whose JSON for a {@link String} is the
   * standard one: then a string of printable ASCII without quotes or backslashes is written and read
   * as itself, without Jackson (the hot path of string arguments and results).
   *
   * @return true for {@link #shared()} and {@link #JsonCodec()}
   */
  public boolean isPlain() {
    return plain;
  }

  /**
   * Returns the shared default instance.
   *
   * @return a codec built with {@link #JsonCodec()}
   */
  public static JsonCodec shared() {
    return Shared.INSTANCE;
  }

  @Override
  public void encode(Object value, Type type, OutputStream out) throws IOException {
    if (isVoid(type)) {
      mapper.writer().writeValue(out, null);
      return;
    }
    writer(type).writeValue(out, value);
  }

  /**
   * Writes one value to a new array: the same bytes as {@link #encode}, faster for a copy in memory.
   *
   * @param value the value, possibly null
   * @param type its declared type
   * @return the JSON bytes
   * @throws IOException when the value cannot be written
   */
  public byte[] encodeToBytes(Object value, Type type) throws IOException {
    if (isVoid(type)) {
      return mapper.writer().writeValueAsBytes(null);
    }
    return writer(type).writeValueAsBytes(value);
  }

  /**
   * Reads one value from an array, as {@link #decode(InputStream, Type)} reads it from a stream.
   *
   * @param bytes the value's bytes, exactly
   * @param type its declared type
   * @return the value, possibly null
   * @throws IOException when the bytes are not a value of that type
   */
  public Object decodeBytes(byte[] bytes, Type type) throws IOException {
    if (isVoid(type)) {
      return null;
    }
    ObjectReader reader = reader(type);
    return bytes.length == 0 ? absent(reader, type) : reader.readValue(bytes);
  }

  @Override
  public Object decode(InputStream in, Type type) throws IOException {
    if (isVoid(type)) {
      return null;
    }
    ObjectReader reader = reader(type);
    PushbackInputStream input = new PushbackInputStream(in, 1);
    int first = input.read();
    if (first == -1) {
      return absent(reader, type);
    }
    input.unread(first);
    return reader.readValue(input);
  }

  /** @return the hardened mapper, for the codecs of this package that build on it */
  ObjectMapper mapper() {
    return mapper;
  }

  ObjectWriter writer(Type type) {
    return cached(writers, type, t -> mapper.writerFor(mapper.constructType(t)));
  }

  ObjectReader reader(Type type) {
    return cached(readers, type, t -> mapper.readerFor(mapper.constructType(t)));
  }

  /**
   * No application object: a primitive gets what JSON null gives it (its default, unless the
   * mapper fails on null primitives); anything else is null.
   */
  private static Object absent(ObjectReader reader, Type type) throws IOException {
    boolean primitive = type instanceof Class && ((Class<?>) type).isPrimitive();
    return primitive ? reader.readValue("null") : null;
  }

  /**
   * Checks that values of the type can be read back: Jackson finds a deserializer for it, and for
   * a bean (or for the elements, keys, values or content of a container) a way to create one, or
   * type information that names a concrete subtype. Jackson only says so on the first read
   * otherwise, which in a cluster is a follower's first call.
   */
  @Override
  public void check(Type type) {
    if (isVoid(type)) {
      return;
    }
    JavaType root = mapper.constructType(type);
    DefaultDeserializationContext context =
        ((DefaultDeserializationContext) mapper.getDeserializationContext())
            .createInstance(mapper.getDeserializationConfig(), null, mapper.getInjectableValues());
    checkReadable(context, root, root, new java.util.HashSet<>(), 0);
  }

  private static void checkReadable(
      DeserializationContext context, JavaType root, JavaType type, java.util.Set<JavaType> seen, int depth) {
    if (depth > 16 || type.isJavaLangObject() || type.isPrimitive() || !seen.add(type)) {
      return;
    }
    if (type.isContainerType() || type.isReferenceType()) {
      if (type.getKeyType() != null) {
        try {
          context.findKeyDeserializer(type.getKeyType(), null);
        } catch (JsonMappingException e) {
          throw unreadable(root, type.getKeyType(), "no key deserializer: " + e.getOriginalMessage(), e);
        } catch (RuntimeException e) {
          throw unreadable(root, type.getKeyType(), "no key deserializer: " + e.getMessage(), e);
        }
      }
      if (type.getContentType() != null) {
        checkReadable(context, root, type.getContentType(), seen, depth + 1);
      }
      return;
    }
    JsonDeserializer<Object> deserializer;
    try {
      deserializer = context.findRootValueDeserializer(type);
    } catch (JsonMappingException e) {
      throw unreadable(root, type, e.getOriginalMessage(), e);
    } catch (RuntimeException e) {
      throw unreadable(root, type, e.getMessage(), e);
    }
    if (deserializer instanceof AbstractDeserializer) {
      throw unreadable(root, type,
          "it is abstract and names no concrete subtype: give it @JsonTypeInfo(use = Id.NAME) with"
              + " @JsonSubTypes (or a sealed hierarchy with @JsonTypeInfo), declare a concrete type,"
              + " or register a deserializer for it", null);
    }
    if (deserializer instanceof BeanDeserializerBase bean) {
      if (!bean.getValueInstantiator().canInstantiate()) {
        throw unreadable(root, type,
            "Jackson has no way to create one: give it a public no-argument constructor, a"
                + " @JsonCreator constructor or factory, or make it a record (a constructor's"
                + " parameter names also work when compiled with -parameters)", null);
      }
      // Its properties, creator parameters included, must be readable too.
      java.util.Iterator<com.fasterxml.jackson.databind.deser.SettableBeanProperty> properties =
          bean.properties();
      while (properties.hasNext()) {
        checkReadable(context, root, properties.next().getType(), seen, depth + 1);
      }
    }
  }

  private static IllegalArgumentException unreadable(JavaType root, JavaType type, String why, Throwable cause) {
    String what = root.equals(type) ? "" : " (inside " + root.toCanonical() + ")";
    return new IllegalArgumentException(
        "values of " + type.toCanonical() + what + " cannot be read back from JSON: " + why, cause);
  }

  private static <T> T cached(
      Map<Type, T> cache, Type type, java.util.function.Function<Type, T> make) {
    T found = cache.get(type);
    if (found != null) {
      return found;
    }
    if (cache.size() >= MAX_CACHED_TYPES) {
      cache.clear();
    }
    return cache.computeIfAbsent(type, make);
  }

  private static boolean isVoid(Type type) {
    return type == void.class || type == Void.class;
  }
}
