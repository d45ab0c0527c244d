package io.clusterclient.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The packet framing written and read by hand, over a plain socket, for test peers that must not
 * use the library's codec (impostors, hostile peers, scripted leaders): a 24-byte header (version 1,
 * request or response, id, timeout 3000 ms, the two lengths), the connection object's JSON, then
 * the application bytes.
 */
public final class RawFrames {
  private static final int MAX_LENGTH = 1 << 20;

  private RawFrames() {}

  /**
   * One packet as read.
   *
   * @param response whether it is a response
   * @param id its id
   * @param conn its connection object's JSON text
   * @param app its application bytes
   */
  public record Frame(boolean response, long id, String conn, byte[] app) {
    /** @return the application bytes as UTF-8 text */
    public String appText() {
      return new String(app, StandardCharsets.UTF_8);
    }
  }

  /**
   * Reads one packet; lengths over 1 MiB are taken for another protocol.
   *
   * @param in the stream
   * @return the packet
   * @throws IOException when the stream ends or does not speak this protocol
   */
  public static Frame read(DataInputStream in) throws IOException {
    byte[] header = new byte[24];
    in.readFully(header);
    ByteBuffer h = ByteBuffer.wrap(header);
    int connLength = h.getInt(16);
    int appLength = h.getInt(20);
    if (connLength < 0 || connLength > MAX_LENGTH || appLength < 0 || appLength > MAX_LENGTH) {
      throw new IOException("not this protocol");
    }
    byte[] conn = new byte[connLength];
    in.readFully(conn);
    byte[] app = new byte[appLength];
    in.readFully(app);
    return new Frame(header[1] == 1, h.getLong(4), new String(conn, StandardCharsets.UTF_8), app);
  }

  /**
   * Writes one packet of protocol version 1 and flushes it.
   *
   * @param out the stream
   * @param response whether it is a response
   * @param id its id
   * @param conn the connection object's JSON text
   * @param app the application bytes
   * @throws IOException when the write fails
   */
  public static void write(DataOutputStream out, boolean response, long id, String conn, byte[] app)
      throws IOException {
    byte[] c = conn.getBytes(StandardCharsets.UTF_8);
    writeHeader(out, 1, response, id, 3000, c.length, app.length);
    out.write(c);
    out.write(app);
    out.flush();
  }

  /**
   * Writes one packet whose application bytes are UTF-8 text.
   *
   * @param out the stream
   * @param response whether it is a response
   * @param id its id
   * @param conn the connection object's JSON text
   * @param app the application text
   * @throws IOException when the write fails
   */
  public static void write(DataOutputStream out, boolean response, long id, String conn, String app)
      throws IOException {
    write(out, response, id, conn, app.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes a header alone, any version and lengths: for peers that break the protocol on purpose.
   *
   * @param out the stream
   * @param version the protocol version byte
   * @param response whether it declares a response
   * @param id its id
   * @param timeout its timeout in milliseconds
   * @param connLength the declared connection object length
   * @param appLength the declared application length
   * @throws IOException when the write fails
   */
  public static void writeHeader(
      DataOutputStream out, int version, boolean response, long id, int timeout, int connLength, int appLength)
      throws IOException {
    out.writeByte(version);
    out.writeByte(response ? 1 : 0);
    out.writeShort(0);
    out.writeLong(id);
    out.writeInt(timeout);
    out.writeInt(connLength);
    out.writeInt(appLength);
  }
}
