package io.clusterclient.internal.protocol;

import io.clusterclient.MessageTooLargeException;

/** The sender's side of {@code maxFrameLength}: a packet that peers would reject is never sent. */
public final class FrameLimit {
  private FrameLimit() {}

  /**
   * Checks the size of a packet before it is sent.
   *
   * @param what what would be sent, for the message: {@code the arguments of Registry.put(String)}
   * @param conn the packet's connection object
   * @param appLength the application object's length in bytes
   * @param maxFrameLength the limit, header included
   * @throws MessageTooLargeException when the packet would exceed the limit
   */
  public static void check(String what, ConnObject conn, long appLength, int maxFrameLength) {
    check(what, () -> conn, appLength, maxFrameLength);
  }

  /**
   * Checks the size of a packet before it is sent, making its connection object only if needed.
   *
   * @param what what would be sent, for the message
   * @param conn makes the packet's connection object
   * @param appLength the application object's length in bytes
   * @param maxFrameLength the limit, header included
   * @throws MessageTooLargeException when the packet would exceed the limit
   */
  public static void check(
      String what, java.util.function.Supplier<ConnObject> conn, long appLength, int maxFrameLength) {
    if (appLength + Packet.HEADER_LENGTH + PacketDecoder.MAX_CONN_LENGTH <= maxFrameLength) {
      return; // the common case, without measuring the connection object
    }
    long frame = Packet.HEADER_LENGTH + conn.get().toJsonBytes().length + appLength;
    if (frame > maxFrameLength) {
      throw new MessageTooLargeException(
          "cannot send " + what + ": " + appLength + " bytes encoded, a packet of " + frame
              + " bytes with its header, over maxFrameLength " + maxFrameLength + " bytes, which every"
              + " process rejects. Send less at once, or raise maxFrameLength (clusterclient.maxFrameLength /"
              + " CLUSTER_CLIENT_MAX_FRAME_LENGTH) in every process of the cluster");
    }
  }
}
