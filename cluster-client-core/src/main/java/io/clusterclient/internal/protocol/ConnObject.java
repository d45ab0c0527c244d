package io.clusterclient.internal.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.CorruptedFrameException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * The connection object of a packet: the small JSON object that says what the packet is ({@code
 * type}) and carries its routing fields.
 *
 * <p>Written as compact JSON with the members in the order the original writes them ({@code type},
 * then {@code method, argLength, oneway, success, channelName, key, reg}; each type uses only its
 * own fields), absent members omitted, exactly as {@code JSON.stringify} prints them. The Java-only
 * member {@code sig} (the Java signature of an invoked method, to tell overloads apart) comes last;
 * a Node.js peer ignores it. Unknown members of a parsed object are ignored.
 *
 * <p>Immutable and thread-safe. The {@code reg} node is copied on the way in; treat the node {@link
 * #reg()} returns as read-only.
 */
public final class ConnObject {
  /** Follower to leader, first packet on a connection. */
  public static final String REGISTER_CHANNEL = "register_channel";

  /** Leader's answer to {@link #REGISTER_CHANNEL}. */
  public static final String REGISTER_CHANNEL_RES = "register_channel_res";

  /** Follower to leader, keeps the connection alive. */
  public static final String HEARTBEAT = "heartbeat";

  /** Leader's answer to {@link #HEARTBEAT}. */
  public static final String HEARTBEAT_RES = "heartbeat_res";

  /** Follower to leader: call a method of the real client. */
  public static final String INVOKE = "invoke";

  /** Leader's answer to a two-way {@link #INVOKE}. */
  public static final String INVOKE_RESULT = "invoke_result";

  /** Follower to leader, no answer: start pushing values for a {@code reg}. */
  public static final String SUBSCRIBE = "subscribe";

  /** Follower to leader, no answer: stop pushing values for a {@code reg}. */
  public static final String UN_SUBSCRIBE = "unSubscribe";

  /** Leader to follower, a request: a pushed value for a key. */
  public static final String SUBSCRIBE_RESULT = "subscribe_result";

  /** Follower's answer to {@link #SUBSCRIBE_RESULT}. */
  public static final String SUBSCRIBE_RESULT_RES = "subscribe_result_res";

  /**
   * Java-only: a response with id 0 that a Java leader sends at once to a registration it cannot
   * answer yet, so that the follower knows a live leader holds the port. A Node.js follower ignores
   * responses with ids it does not know.
   */
  public static final String REGISTER_CHANNEL_ACK = "register_channel_ack";

  /**
   * Java-only, over TCP, a response with id 0 from the leader: first the greeting of a new
   * connection, whose application object holds the leader's nonce; then, once a {@code
   * register_channel} brings the follower's nonce, the leader's nonce and proof. A Node.js peer
   * ignores it, as it ignores every response with an id it does not know.
   */
  public static final String AUTH_CHALLENGE = "auth_challenge";

  /**
   * Java-only, over TCP: the follower's proof (a request), answering {@link #AUTH_CHALLENGE}, from a
   * follower that registered before the greeting came (one that was greeted sends its proof with its
   * {@code register_channel}).
   */
  public static final String AUTH_PROOF = "auth_proof";

  /**
   * Java-only: a response with id 0 that a leader which is closing sends to each Java follower
   * (those that registered with {@code "binary":true}): the port is free, elect a new leader, and
   * close this connection once the calls in flight are answered. Never sent to a Node.js follower.
   */
  public static final String HANDOVER = "handover";

  /**
   * Java-only: an operator's status request (the {@code cluster-client status} command), sent as
   * the first packet of a connection instead of {@code register_channel}. It carries {@code
   * channelName} {@link #STATUS_CHANNEL}, so that over TCP it is challenged and proven exactly as a
   * registration is; its application object offers {@code pid} and, over TCP, {@code nonce}. A
   * Node.js leader answers nothing.
   */
  public static final String STATUS = "status";

  /**
   * Java-only: the leader's answer to {@link #STATUS}, a response with the request's id; its
   * application object is the JSON status report.
   */
  public static final String STATUS_RES = "status_res";

  /** The channel name of a {@link #STATUS} request: what the proofs of its handshake are bound to. */
  public static final String STATUS_CHANNEL = "$$cluster-client-status";

  /**
   * Java-only: a request (never answered) that a leader sends to each Java follower (those that
   * registered with {@code "binary":true}) for each event its real client emits; {@code key} holds
   * the event's name and the application object its value. Never sent to a Node.js follower.
   */
  public static final String CLUSTER_EVENT = "cluster_event";

  /**
   * Most arguments an invoke may declare: a Java method has at most 255 parameters, so more can
   * only be a corrupt or hostile packet.
   */
  public static final int MAX_ARG_LENGTH = 255;

  /** A {@code reg} sits one level inside the connection object, which the peer also counts. */
  private static final int MAX_REG_DEPTH = Wire.MAX_NESTING_DEPTH - 1;

  private static final int MAX_TO_STRING_REG = 200;

  private final String type;
  private final String method;
  private final Integer argLength;
  private final Boolean oneway;
  private final Boolean success;
  private final String channelName;
  private final String key;
  private final JsonNode reg;
  private final String sig;
  private final Boolean binary;

  // Racy single-check cache: a String is immutable and the text is deterministic, so a thread that
  // sees null just computes the same value again.
  private String json;
  // Volatile, unlike the text: an array's contents are not safely published by a racy write, and the
  // constant objects are shared by every event loop.
  private volatile byte[] jsonBytes;

  private static final ConnObject REGISTER_CHANNEL_RES_CONN = of(REGISTER_CHANNEL_RES);
  private static final ConnObject HEARTBEAT_CONN = of(HEARTBEAT);
  private static final ConnObject HEARTBEAT_RES_CONN = of(HEARTBEAT_RES);
  private static final ConnObject SUBSCRIBE_RESULT_RES_CONN = of(SUBSCRIBE_RESULT_RES);
  private static final ConnObject INVOKE_SUCCEEDED =
      new ConnObject(INVOKE_RESULT, null, null, null, true, null, null, null, null, null);
  private static final ConnObject INVOKE_FAILED =
      new ConnObject(INVOKE_RESULT, null, null, null, false, null, null, null, null, null);

  private ConnObject(
      String type,
      String method,
      Integer argLength,
      Boolean oneway,
      Boolean success,
      String channelName,
      String key,
      JsonNode reg,
      String sig,
      Boolean binary) {
    this.type = type;
    this.method = method;
    this.argLength = argLength;
    this.oneway = oneway;
    this.success = success;
    this.channelName = channelName;
    this.key = key;
    this.reg = reg;
    this.sig = sig;
    this.binary = binary;
  }

  /**
   * Returns a connection object with only a type (or none).
   *
   * @param type the type, or null for an empty object
   * @return {@code {"type":type}}, or {@code {}}
   */
  public static ConnObject of(String type) {
    return new ConnObject(type, null, null, null, null, null, null, null, null, null);
  }

  /**
   * Returns {@code {"type":"register_channel","channelName":...}}.
   *
   * @param channelName the name of the leader to route the connection to
   * @return the connection object
   */
  public static ConnObject registerChannel(String channelName) {
    Objects.requireNonNull(channelName, "channelName");
    return new ConnObject(REGISTER_CHANNEL, null, null, null, null, channelName, null, null, null, null);
  }

  /**
   * Returns a {@code register_channel} that also offers, Java-only, to carry {@code byte[]} values
   * as raw bytes ({@code "binary":true}, ignored by Node.js leaders).
   *
   * @param channelName the name of the leader to route the connection to
   * @return the connection object
   */
  public static ConnObject registerChannelBinary(String channelName) {
    Objects.requireNonNull(channelName, "channelName");
    return new ConnObject(REGISTER_CHANNEL, null, null, null, null, channelName, null, null, null, true);
  }

  /**
   * Returns {@code {"type":"status","channelName":"$$cluster-client-status"}}.
   *
   * @return the connection object of a status request
   */
  public static ConnObject status() {
    return new ConnObject(STATUS, null, null, null, null, STATUS_CHANNEL, null, null, null, null);
  }

  /**
   * Returns {@code {"type":"register_channel_res"}}.
   *
   * @return the connection object
   */
  public static ConnObject registerChannelRes() {
    return REGISTER_CHANNEL_RES_CONN;
  }

  /**
   * Returns {@code {"type":"heartbeat"}}.
   *
   * @return the connection object
   */
  public static ConnObject heartbeat() {
    return HEARTBEAT_CONN;
  }

  /**
   * Returns {@code {"type":"heartbeat_res"}}.
   *
   * @return the connection object
   */
  public static ConnObject heartbeatRes() {
    return HEARTBEAT_RES_CONN;
  }

  /**
   * Returns {@code {"type":"invoke","method":...,"argLength":...,"oneway":...}} plus {@code sig}
   * when given.
   *
   * @param method the method name
   * @param argLength the number of arguments, 0 to {@link #MAX_ARG_LENGTH}
   * @param oneway true when no {@code invoke_result} is wanted
   * @param sig the Java signature to pick among overloads, or null
   * @return the connection object
   * @throws IllegalArgumentException if argLength is out of range
   */
  public static ConnObject invoke(String method, int argLength, boolean oneway, String sig) {
    Objects.requireNonNull(method, "method");
    if (argLength < 0 || argLength > MAX_ARG_LENGTH) {
      throw new IllegalArgumentException(
          "argLength " + argLength + " is not between 0 and " + MAX_ARG_LENGTH);
    }
    return new ConnObject(INVOKE, method, argLength, oneway, null, null, null, null, sig, null);
  }

  /**
   * Returns {@code {"type":"invoke_result","success":...}}.
   *
   * @param success whether the application object is the result (true) or an error (false)
   * @return the connection object
   */
  public static ConnObject invokeResult(boolean success) {
    return success ? INVOKE_SUCCEEDED : INVOKE_FAILED;
  }

  /**
   * Returns {@code {"type":"subscribe","key":...,"reg":...}}.
   *
   * @param key the subscription key, see {@link Keys#subscriptionKey}
   * @param reg the registration, copied; null omits the member (JavaScript's undefined)
   * @return the connection object
   * @throws IllegalArgumentException if reg nests too deeply for a peer to parse
   */
  public static ConnObject subscribe(String key, JsonNode reg) {
    return withReg(SUBSCRIBE, key, reg);
  }

  /**
   * Returns {@code {"type":"unSubscribe","key":...,"reg":...}}.
   *
   * @param key the subscription key, see {@link Keys#subscriptionKey}
   * @param reg the registration, copied; null omits the member (JavaScript's undefined)
   * @return the connection object
   * @throws IllegalArgumentException if reg nests too deeply for a peer to parse
   */
  public static ConnObject unSubscribe(String key, JsonNode reg) {
    return withReg(UN_SUBSCRIBE, key, reg);
  }

  /**
   * Returns {@code {"type":"subscribe_result","key":...}}.
   *
   * @param key the subscription key the pushed value belongs to
   * @return the connection object
   */
  public static ConnObject subscribeResult(String key) {
    Objects.requireNonNull(key, "key");
    return new ConnObject(SUBSCRIBE_RESULT, null, null, null, null, null, key, null, null, null);
  }

  /**
   * Returns {@code {"type":"cluster_event","key":...}}.
   *
   * @param name the event's name
   * @return the connection object
   */
  public static ConnObject clusterEvent(String name) {
    Objects.requireNonNull(name, "name");
    return new ConnObject(CLUSTER_EVENT, null, null, null, null, null, name, null, null, null);
  }

  /**
   * Returns {@code {"type":"subscribe_result_res"}}.
   *
   * @return the connection object
   */
  public static ConnObject subscribeResultRes() {
    return SUBSCRIBE_RESULT_RES_CONN;
  }

  private static ConnObject withReg(String type, String key, JsonNode reg) {
    Objects.requireNonNull(key, "key");
    JsonNode copy = reg == null || reg.isMissingNode() ? null : reg.deepCopy();
    ConnObject conn = new ConnObject(type, null, null, null, null, null, key, copy, null, null);
    // Fail here, in the caller's thread, rather than later in an event loop.
    conn.toJsonText();
    return conn;
  }

  /**
   * Parses a connection object from all readable bytes of a buffer, without moving its indices.
   *
   * @param buf UTF-8 JSON text; empty gives {@code of(null)}
   * @return the connection object
   * @throws CorruptedFrameException if the text is not a JSON object, or a known member has the
   *     wrong JSON type or an impossible value
   */
  public static ConnObject parse(ByteBuf buf) {
    int length = buf.readableBytes();
    if (length == 0) {
      return of(null);
    }
    JsonNode root;
    try {
      if (buf.hasArray()) {
        root = Wire.mapper().readTree(buf.array(), buf.arrayOffset() + buf.readerIndex(), length);
      } else {
        try (InputStream in = new ByteBufInputStream(buf.duplicate())) {
          root = Wire.mapper().readTree(in);
        }
      }
    } catch (JsonProcessingException e) {
      throw new CorruptedFrameException(
          "malformed connection object JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      // Reading from memory: only a parser failure can land here.
      throw new CorruptedFrameException("malformed connection object JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CorruptedFrameException(
          "connection object is not a JSON object but "
              + (root == null ? "empty" : describe(root)));
    }
    return new ConnObject(
        text(root, "type"),
        text(root, "method"),
        argLength(root),
        bool(root, "oneway"),
        bool(root, "success"),
        text(root, "channelName"),
        text(root, "key"),
        root.get("reg"),
        text(root, "sig"),
        bool(root, "binary"));
  }

  /**
   * Returns the UTF-8 bytes of the compact JSON text, computed once: the connection objects of hot
   * methods are built once and sent on every call.
   *
   * @return the bytes, shared by every caller: never modify them
   */
  public byte[] toJsonBytes() {
    byte[] bytes = jsonBytes; // single-check: two threads may compute it, both get equal bytes
    if (bytes == null) {
      // Lone surrogates are escaped by JsJson, so UTF-8 encoding is lossless.
      bytes = toJsonText().getBytes(StandardCharsets.UTF_8);
      jsonBytes = bytes;
    }
    return bytes;
  }

  /** @return whether this object may be shared by every packet with the same bytes (no reg) */
  boolean isShareable() {
    return reg == null;
  }

  /**
   * Returns the compact JSON text, as {@code JSON.stringify} prints it.
   *
   * @return the text
   */
  public String toJsonText() {
    String text = json;
    if (text == null) {
      text = render();
      json = text;
    }
    return text;
  }

  private String render() {
    StringBuilder sb = new StringBuilder(64);
    sb.append('{');
    int start = sb.length();
    if (type != null) {
      member(sb, start, "type");
      JsJson.appendString(sb, type);
    }
    if (method != null) {
      member(sb, start, "method");
      JsJson.appendString(sb, method);
    }
    if (argLength != null) {
      member(sb, start, "argLength");
      sb.append(argLength.intValue());
    }
    if (oneway != null) {
      member(sb, start, "oneway");
      sb.append(oneway.booleanValue());
    }
    if (success != null) {
      member(sb, start, "success");
      sb.append(success.booleanValue());
    }
    if (channelName != null) {
      member(sb, start, "channelName");
      JsJson.appendString(sb, channelName);
    }
    if (key != null) {
      member(sb, start, "key");
      JsJson.appendString(sb, key);
    }
    if (reg != null) {
      member(sb, start, "reg");
      JsJson.append(sb, reg, JsJson.WIRE, MAX_REG_DEPTH);
    }
    if (sig != null) {
      member(sb, start, "sig");
      JsJson.appendString(sb, sig);
    }
    if (binary != null) {
      member(sb, start, "binary");
      sb.append(binary.booleanValue());
    }
    return sb.append('}').toString();
  }

  private static void member(StringBuilder sb, int start, String name) {
    if (sb.length() > start) {
      sb.append(',');
    }
    sb.append('"').append(name).append("\":");
  }

  private static String text(JsonNode root, String name) {
    JsonNode node = root.get(name);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw wrongType(name, "a string", node);
    }
    return node.textValue();
  }

  private static Boolean bool(JsonNode root, String name) {
    JsonNode node = root.get(name);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isBoolean()) {
      throw wrongType(name, "a boolean", node);
    }
    return node.booleanValue();
  }

  private static Integer argLength(JsonNode root) {
    JsonNode node = root.get("argLength");
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber()
        || !node.canConvertToInt()
        || node.intValue() < 0
        || node.intValue() > MAX_ARG_LENGTH) {
      throw wrongType("argLength", "an integer from 0 to " + MAX_ARG_LENGTH, node);
    }
    return node.intValue();
  }

  private static CorruptedFrameException wrongType(String name, String expected, JsonNode node) {
    return new CorruptedFrameException(
        "connection object member \""
            + name
            + "\" must be "
            + expected
            + " but is "
            + describe(node));
  }

  /** Describes a node for an error message without echoing an unbounded amount of peer input. */
  private static String describe(JsonNode node) {
    String text = node.toString();
    if (text.length() > 40) {
      text = text.substring(0, 40) + "...";
    }
    return node.getNodeType().toString().toLowerCase(Locale.ROOT) + " " + text;
  }

  /**
   * Returns the type, e.g. {@link #INVOKE}.
   *
   * @return the type, or null if absent
   */
  public String type() {
    return type;
  }

  /**
   * Returns the invoked method's name.
   *
   * @return the method, or null if absent
   */
  public String method() {
    return method;
  }

  /**
   * Returns the number of invoke arguments, 0 to {@link #MAX_ARG_LENGTH}.
   *
   * @return the count, or null if absent
   */
  public Integer argLength() {
    return argLength;
  }

  /**
   * Returns whether an invoke wants no answer.
   *
   * @return the flag, or null if absent
   */
  public Boolean oneway() {
    return oneway;
  }

  /**
   * Returns whether an invoke succeeded.
   *
   * @return the flag, or null if absent
   */
  public Boolean success() {
    return success;
  }

  /**
   * Returns the channel a follower registers to.
   *
   * @return the name, or null if absent
   */
  public String channelName() {
    return channelName;
  }

  /**
   * Returns the subscription key.
   *
   * @return the key, or null if absent
   */
  public String key() {
    return key;
  }

  /**
   * Returns the registration of a subscribe or unSubscribe; read-only.
   *
   * @return the node ({@code NullNode} for an explicit JSON null), or null if absent
   */
  public JsonNode reg() {
    return reg;
  }

  /**
   * Returns the Java signature of the invoked method (Java-only; Node.js peers never send it).
   *
   * @return the signature, or null if absent
   */
  public String sig() {
    return sig;
  }

  /**
   * Whether a follower offers raw {@code byte[]} values (Java-only; Node.js peers never send it).
   *
   * @return the offer, or null if absent
   */
  public Boolean binary() {
    return binary;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ConnObject other)) {
      return false;
    }
    return Objects.equals(type, other.type)
        && Objects.equals(method, other.method)
        && Objects.equals(argLength, other.argLength)
        && Objects.equals(oneway, other.oneway)
        && Objects.equals(success, other.success)
        && Objects.equals(channelName, other.channelName)
        && Objects.equals(key, other.key)
        && Objects.equals(reg, other.reg)
        && Objects.equals(sig, other.sig)
        && Objects.equals(binary, other.binary);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, method, argLength, oneway, success, channelName, key, reg, sig, binary);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ConnObject{type=").append(type);
    appendIfPresent(sb, "method", method);
    appendIfPresent(sb, "argLength", argLength);
    appendIfPresent(sb, "oneway", oneway);
    appendIfPresent(sb, "success", success);
    appendIfPresent(sb, "channelName", channelName);
    appendIfPresent(sb, "key", abbreviate(key));
    appendIfPresent(sb, "reg", reg == null ? null : abbreviate(reg.toString()));
    appendIfPresent(sb, "sig", sig);
    appendIfPresent(sb, "binary", binary);
    return sb.append('}').toString();
  }

  private static void appendIfPresent(StringBuilder sb, String name, Object value) {
    if (value != null) {
      sb.append(", ").append(name).append('=').append(value);
    }
  }

  private static String abbreviate(String s) {
    if (s == null || s.length() <= MAX_TO_STRING_REG) {
      return s;
    }
    return s.substring(0, MAX_TO_STRING_REG) + "...";
  }
}
