package io.clusterclient.internal.session;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterCodecException;
import io.clusterclient.internal.codec.Values;
import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.FrameLimit;
import io.clusterclient.internal.protocol.InvokeArgs;
import io.clusterclient.internal.proxy.MethodInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.lang.reflect.Type;

/**
 * A publish this process made, remembered by its registration key to be replayed to every new
 * leader. Its arguments are encoded once, on the caller's thread, so that replaying never runs user
 * code (getters, serializers) on the session's loop. Immutable.
 *
 * @param key the registration key of its first argument
 * @param info the publish method
 * @param args the arguments, for a leader in this process
 * @param json the arguments as the wire carries them to any peer
 * @param binary the arguments for a Java peer that takes raw {@code byte[]}; the same array as
 *     {@code json} when no parameter is a {@code byte[]}
 */
public record Published(String key, MethodInfo info, Object[] args, byte[] json, byte[] binary) {
  /**
   * Encodes a publish.
   *
   * @param key the registration key
   * @param info the method
   * @param args the arguments (copied)
   * @param codec the session's codec
   * @param maxFrameLength the largest packet peers accept
   * @return the publish
   * @throws ClusterCodecException when an argument cannot be encoded
   * @throws io.clusterclient.MessageTooLargeException when it would not fit in a packet
   */
  public static Published encode(
      String key, MethodInfo info, Object[] args, ClusterCodec codec, int maxFrameLength) {
    Object[] copy = args.clone();
    byte[] json = encodeArgs(info, copy, codec, false);
    FrameLimit.check(
        "the arguments of ",
        info.description(),
        () -> ConnObject.invoke(info.name(), info.parameterCount(), info.isOneway(), info.sig()),
        json.length,
        maxFrameLength);
    boolean rawBytes = false;
    for (Type t : info.parameterTypes()) {
      rawBytes |= t == byte[].class;
    }
    return new Published(key, info, copy, json, rawBytes ? encodeArgs(info, copy, codec, true) : json);
  }

  private static byte[] encodeArgs(MethodInfo info, Object[] args, ClusterCodec codec, boolean binary) {
    ByteBuf buf;
    try {
      buf =
          InvokeArgs.encode(
              UnpooledByteBufAllocator.DEFAULT,
              args.length,
              (i, out) -> Values.encode(codec, binary, args[i], info.parameterTypes()[i], out));
    } catch (IOException | RuntimeException e) {
      throw new ClusterCodecException(
          "cannot encode the arguments of " + info.description() + ": " + e.getMessage(), e);
    }
    try {
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  /**
   * The encoded arguments for a peer.
   *
   * @param rawBytes whether the peer agreed on raw {@code byte[]} values
   * @return the bytes; not to be modified
   */
  public byte[] encoded(boolean rawBytes) {
    return rawBytes ? binary : json;
  }
}
