package io.clusterclient.it;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A holder of the port that does not know the owner's secret but pretends to lead: it greets each
 * connection as a Java leader does, answers a registration with a made-up proof and a successful
 * {@code register_channel_res}, and prints {@code GOT <connection object>} for every packet a
 * follower sends it. Arguments: {@code port}. Prints {@code LISTENING} once bound.
 */
public final class HostileLeader {
  private HostileLeader() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
      System.out.println("LISTENING");
      while (true) {
        Socket socket = server.accept();
        Thread t = new Thread(() -> serve(socket), "hostile-leader");
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private static void serve(Socket socket) {
    String nonce = Base64.getEncoder().encodeToString(new byte[32]);
    try (socket) {
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      frame(out, true, 0, "{\"type\":\"auth_challenge\"}", "{\"nonce\":\"" + nonce + "\"}");
      while (true) {
        byte[] header = new byte[24];
        in.readFully(header);
        java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(header);
        long id = h.getLong(4);
        int connLength = h.getInt(16);
        int appLength = h.getInt(20);
        if (connLength < 0 || connLength > 1 << 20 || appLength < 0 || appLength > 1 << 20) {
          throw new IOException("not this protocol");
        }
        byte[] conn = new byte[connLength];
        in.readFully(conn);
        in.readFully(new byte[appLength]);
        String type = new String(conn, StandardCharsets.UTF_8);
        System.out.println("GOT " + type);
        if (type.contains("\"register_channel\"")) {
          frame(out, true, 0, "{\"type\":\"auth_challenge\"}",
              "{\"nonce\":\"" + nonce + "\",\"proof\":\"" + nonce + "\"}");
          frame(out, true, id, "{\"type\":\"register_channel_res\"}", "{\"success\":true,\"binary\":true}");
        }
      }
    } catch (IOException e) {
      System.out.println("CLOSED");
    }
  }

  private static void frame(DataOutputStream out, boolean response, long id, String conn, String app)
      throws IOException {
    byte[] c = conn.getBytes(StandardCharsets.UTF_8);
    byte[] a = app.getBytes(StandardCharsets.UTF_8);
    out.writeByte(1);
    out.writeByte(response ? 1 : 0);
    out.writeShort(0);
    out.writeLong(id);
    out.writeInt(3000);
    out.writeInt(c.length);
    out.writeInt(a.length);
    out.write(c);
    out.write(a);
    out.flush();
  }
}
