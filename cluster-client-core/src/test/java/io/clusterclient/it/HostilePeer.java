package io.clusterclient.it;

import io.clusterclient.testing.RawFrames;
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
 * (registers, then asks for large answers without ever reading), {@code unproven} (speaks the
 * protocol perfectly, as a Node.js peer would, but offers no proof of the owner's secret, then calls
 * {@code echo}), {@code forged} (offers a nonce, answers the leader's challenge with a wrong proof,
 * then calls {@code echo}), {@code greeted} (reads the leader's greeting, registers with a nonce and a
 * wrong proof at once, then calls {@code echo}). Prints {@code SENT} when its harm is done, {@code GOT <connection
 * object>} for each packet the leader sends (unproven and forged), and {@code CLOSED} when the
 * leader hangs up (the slow consumer learns it from a failed write).
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
        case "unproven":
        case "forged":
        case "greeted":
          String register = "{\"type\":\"register_channel\",\"channelName\":\"EchoService\",\"binary\":true}";
          String zeros = java.util.Base64.getEncoder().encodeToString(new byte[32]);
          byte[] offer =
              switch (mode) {
                case "forged" -> ("{\"nonce\":\"" + zeros + "\"}").getBytes(StandardCharsets.US_ASCII);
                case "greeted" -> ("{\"nonce\":\"" + zeros + "\",\"proof\":\"" + zeros + "\"}")
                    .getBytes(StandardCharsets.US_ASCII);
                default -> new byte[0];
              };
          if (mode.equals("greeted")) {
            System.out.println("GOT " + readConn(new java.io.DataInputStream(socket.getInputStream())));
          }
          frame(out, 1, register, offer);
          if (mode.equals("forged")) {
            System.out.println("GOT " + readConn(new java.io.DataInputStream(socket.getInputStream())));
            String proof = "{\"proof\":\"" + java.util.Base64.getEncoder().encodeToString(new byte[32]) + "\"}";
            frame(out, 2, "{\"type\":\"auth_proof\"}", proof.getBytes(StandardCharsets.US_ASCII));
          }
          byte[] echoArg = "\"must never reach the real client\"".getBytes(StandardCharsets.US_ASCII);
          byte[] echoApp = new byte[4 + echoArg.length];
          echoApp[3] = (byte) echoArg.length;
          System.arraycopy(echoArg, 0, echoApp, 4, echoArg.length);
          try {
            frame(out, 3, "{\"type\":\"invoke\",\"method\":\"echo\",\"argLength\":1,\"oneway\":false}", echoApp);
          } catch (IOException closedAlready) {
            // the leader may hang up before this is written
          }
          System.out.println("SENT");
          java.io.DataInputStream answers = new java.io.DataInputStream(socket.getInputStream());
          try {
            while (true) {
              System.out.println("GOT " + readConn(answers));
            }
          } catch (IOException e) {
            System.out.println("CLOSED");
          }
          return;
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

  /** Reads one packet and returns its connection object, with its application object if any. */
  private static String readConn(java.io.DataInputStream in) throws IOException {
    RawFrames.Frame f = RawFrames.read(in);
    return f.conn() + (f.app().length == 0 ? "" : " " + f.appText());
  }

  private static void header(DataOutputStream out, int version, long id, int timeout, int connLen, int appLen)
      throws IOException {
    RawFrames.writeHeader(out, version, false, id, timeout, connLen, appLen);
  }

  private static void frame(DataOutputStream out, long id, String conn, byte[] app) throws IOException {
    RawFrames.write(out, false, id, conn, app);
  }
}
