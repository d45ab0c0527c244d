package io.clusterclient.it;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * A process that misbehaves toward a leader. Arguments: {@code port mode}. Modes: {@code garbage},
 * {@code huge} (a header declaring a 2 GiB body), {@code version} (protocol version 9), {@code slow}
 * (registers, then asks for large answers without ever reading). Prints {@code SENT} when its harm is
 * done and {@code CLOSED} when the leader hangs up (the slow consumer learns it from a failed write).
 */
public final class HostilePeer {
  private HostilePeer() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String mode = args[1];
    try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      switch (mode) {
        case "garbage":
          byte[] junk = new byte[4096];
          new Random(42).nextBytes(junk);
          out.write(junk);
          break;
        case "huge":
          header(out, 1, 1, 0, 2, Integer.MAX_VALUE);
          out.write("{}".getBytes(StandardCharsets.UTF_8));
          break;
        case "version":
          header(out, 9, 1, 0, 2, 0);
          out.write("{}".getBytes(StandardCharsets.UTF_8));
          break;
        case "slow":
          socket.setReceiveBufferSize(4096);
          frame(out, 1, "{\"type\":\"register_channel\",\"channelName\":\"EchoService\"}", new byte[0]);
          // bytes(byte[]) answers with as many bytes as it is given, 256 KiB of JSON base64 each.
          byte[] arg = ("\"" + "A".repeat(256 * 1024) + "\"").getBytes(StandardCharsets.US_ASCII);
          byte[] app = new byte[4 + arg.length];
          app[0] = (byte) (arg.length >>> 24);
          app[1] = (byte) (arg.length >>> 16);
          app[2] = (byte) (arg.length >>> 8);
          app[3] = (byte) arg.length;
          System.arraycopy(arg, 0, app, 4, arg.length);
          String conn = "{\"type\":\"invoke\",\"method\":\"bytes\",\"argLength\":1,\"oneway\":false}";
          try {
            for (int i = 2; i < 10_000; i++) {
              frame(out, i, conn, app);
            }
          } catch (IOException e) {
            System.out.println("CLOSED");
            return;
          }
          break;
        default:
          throw new IllegalArgumentException(mode);
      }
      out.flush();
      System.out.println("SENT");
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      while (in.read(buf) >= 0) {
        // drain until the leader hangs up
      }
      System.out.println("CLOSED");
    } catch (IOException e) {
      System.out.println("CLOSED " + e.getMessage());
    }
  }

  private static void header(DataOutputStream out, int version, long id, int timeout, int connLen, int appLen)
      throws IOException {
    out.writeByte(version);
    out.writeByte(0);
    out.writeShort(0);
    out.writeLong(id);
    out.writeInt(timeout);
    out.writeInt(connLen);
    out.writeInt(appLen);
  }

  private static void frame(DataOutputStream out, long id, String conn, byte[] app) throws IOException {
    byte[] c = conn.getBytes(StandardCharsets.UTF_8);
    header(out, 1, id, 3000, c.length, app.length);
    out.write(c);
    out.write(app);
    out.flush();
  }
}
