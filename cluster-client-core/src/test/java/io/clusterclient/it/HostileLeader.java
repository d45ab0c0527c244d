package io.clusterclient.it;

import io.clusterclient.testing.RawFrames;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
      RawFrames.write(out, true, 0, "{\"type\":\"auth_challenge\"}", "{\"nonce\":\"" + nonce + "\"}");
      while (true) {
        RawFrames.Frame f = RawFrames.read(in);
        long id = f.id();
        String type = f.conn();
        System.out.println("GOT " + type);
        if (type.contains("\"register_channel\"")) {
          RawFrames.write(out, true, 0, "{\"type\":\"auth_challenge\"}",
              "{\"nonce\":\"" + nonce + "\",\"proof\":\"" + nonce + "\"}");
          RawFrames.write(out, true, id, "{\"type\":\"register_channel_res\"}", "{\"success\":true,\"binary\":true}");
        }
      }
    } catch (IOException e) {
      System.out.println("CLOSED");
    }
  }
}
