package io.clusterclient.internal.protocol;

import io.clusterclient.MessageTooLargeException;
import java.util.function.Supplier;

/** The sender's side of {@code maxFrameLength}: a packet that peers would reject is never sent. */
public final class FrameLimit {
  private FrameLimit() {}

  /**
   * Checks the size of a packet before it is sent. On every call's path: the common case makes no
   * connection object and no message, only a comparison.
   *
   * @param what what would be sent, for the message: {@code "the arguments of "}
   * @param subject whose, for the message: a method's description, a registration
   * @param conn makes the packet's connection object, when it has to be measured
   * @param appLength the application object's length in bytes
   * @param maxFrameLength the limit, header included
   * @throws MessageTooLargeException when the packet would exceed the limit
   */
  public static void check(
      String what, Object subject, Supplier<ConnObject> conn, long appLength, int maxFrameLength) {
    if (appLength + Packet.HEADER_LENGTH + PacketDecoder.MAX_CONN_LENGTH <= maxFrameLength) {
      return;
    }
    long frame = Packet.HEADER_LENGTH + conn.get().toJsonBytes().length + appLength;
    if (frame > maxFrameLength) {
      throw new MessageTooLargeException(
          "cannot send " + what + subject + ": " + appLength + " bytes encoded, a packet of " + frame
              + " bytes with its header, over maxFrameLength " + maxFrameLength + " bytes, which every"
              + " process rejects. Send less at once, or raise maxFrameLength (clusterclient.maxFrameLength /"
              + " CLUSTER_CLIENT_MAX_FRAME_LENGTH) in every process of the cluster");
    }
  }
}
