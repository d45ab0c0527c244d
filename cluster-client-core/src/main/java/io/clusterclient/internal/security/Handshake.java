package io.clusterclient.internal.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual proof, over TCP, that two processes know the same {@link ClusterSecret}, without sending
 * it. The leader greets a new connection with a fresh nonce; the follower registers with a fresh
 * nonce of its own and {@code HMAC-SHA256(secret, "follower" | port | channel | leaderNonce |
 * followerNonce)}; the leader checks it and answers {@code HMAC-SHA256(secret, "leader" | port |
 * channel | followerNonce | leaderNonce)}, which the follower checks before it sends anything else.
 * (A follower that registers before the greeting sends its nonce alone; the leader then proves
 * itself first and the follower answers.) The follower thus proves itself to a holder that has not
 * proven anything yet; that is safe only because each proof is bound to both fresh nonces, to its
 * role, and to the port and channel the follower meant: an impostor holding the port gains a proof
 * that no later leader accepts (its greeting carries another nonce), that proves nothing in the
 * leader's role, and that no leader on another port accepts. Thread-safe.
 */
public final class Handshake {
  /** Bytes of a nonce. */
  public static final int NONCE_LENGTH = 32;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] LEADER = "cluster-client leader".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FOLLOWER = "cluster-client follower".getBytes(StandardCharsets.US_ASCII);

  private final ClusterSecret secret;

  /**
   * Creates the handshake of a secret.
   *
   * @param secret the owner's secret
   */
  public Handshake(ClusterSecret secret) {
    this.secret = secret;
  }

  /** @return where the secret is, for messages */
  public String secretFile() {
    return secret.file().toString();
  }

  /** @return a fresh random nonce, as base64 */
  public static String nonce() {
    byte[] n = new byte[NONCE_LENGTH];
    RANDOM.nextBytes(n);
    return Base64.getEncoder().encodeToString(n);
  }

  /**
   * The leader's proof.
   *
   * @param port the election port
   * @param channel the client name the follower registers to
   * @param followerNonce the follower's nonce, as base64
   * @param leaderNonce the leader's nonce, as base64
   * @return the proof, as base64
   */
  public String leaderProof(int port, String channel, String followerNonce, String leaderNonce) {
    return mac(LEADER, port, channel, followerNonce, leaderNonce);
  }

  /**
   * The follower's proof.
   *
   * @param port the election port
   * @param channel the client name the follower registers to
   * @param leaderNonce the leader's nonce, as base64
   * @param followerNonce the follower's nonce, as base64
   * @return the proof, as base64
   */
  public String followerProof(int port, String channel, String leaderNonce, String followerNonce) {
    return mac(FOLLOWER, port, channel, leaderNonce, followerNonce);
  }

  /**
   * Compares a proof with the expected one in constant time.
   *
   * @param expected the proof computed here
   * @param given the proof the peer sent, possibly null
   * @return whether they are equal
   */
  public static boolean matches(String expected, Object given) {
    return given instanceof String
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.US_ASCII), ((String) given).getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Whether a value from the wire is a well-formed nonce.
   *
   * @param nonce the value
   * @return true for base64 of {@link #NONCE_LENGTH} bytes
   */
  public static boolean isNonce(Object nonce) {
    if (!(nonce instanceof String) || ((String) nonce).length() != 44) {
      return false;
    }
    try {
      return Base64.getDecoder().decode((String) nonce).length == NONCE_LENGTH;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Reads the JSON object of a handshake's application object; never throws.
   *
   * @param app the application object's bytes (indices unchanged)
   * @return its fields; empty when absent, too large or not a JSON object
   */
  public static java.util.Map<?, ?> appObject(io.netty.buffer.ByteBuf app) {
    if (app == null || !app.isReadable() || app.readableBytes() > 4096) {
      return java.util.Map.of(); // a handshake object is small
    }
    try {
      Object body =
          io.clusterclient.internal.codec.JsonCodec.shared()
              .decode(new io.netty.buffer.ByteBufInputStream(app.duplicate()), java.util.Map.class);
      return body instanceof java.util.Map ? (java.util.Map<?, ?>) body : java.util.Map.of();
    } catch (java.io.IOException | RuntimeException e) {
      return java.util.Map.of();
    }
  }

  /**
   * An application object of string fields.
   *
   * @param keysAndValues field, value, field, value...
   * @return the JSON object's bytes
   */
  public static io.netty.buffer.ByteBuf app(String... keysAndValues) {
    java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      body.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return app(body);
  }

  /**
   * An application object.
   *
   * @param body the JSON object
   * @return its bytes
   */
  public static io.netty.buffer.ByteBuf app(java.util.Map<String, Object> body) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      io.clusterclient.internal.codec.JsonCodec.shared().encode(body, java.util.Map.class, out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return io.netty.buffer.Unpooled.wrappedBuffer(out.toByteArray());
  }

  private String mac(byte[] role, int port, String channel, String first, String second) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.key(), "HmacSHA256"));
      mac.update(role);
      mac.update((byte) 0);
      mac.update(Integer.toString(port).getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) 0);
      mac.update(channel.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      mac.update(first.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) 0);
      mac.update(second.getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
    }
  }
}
