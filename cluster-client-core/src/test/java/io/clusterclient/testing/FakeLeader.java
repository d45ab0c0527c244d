package io.clusterclient.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A leader written by hand with blocking sockets, so that a test controls exactly when a follower's
 * connection is answered and when it closes. It answers {@code register_channel} with success and
 * {@code heartbeat} with its answer, and ignores everything else. Thread-safe.
 */
public final class FakeLeader implements AutoCloseable {
  /** What the leader does once it has answered a registration. */
  public enum Mode {
    /** Keep the connection open. */
    KEEP,
    /** Close the connection right after the answer. */
    CLOSE_AFTER_REGISTER,
    /** Never read from the connection again, as a stalled leader would. */
    STOP_READING
  }

  private final ServerSocket server;
  private final Mode mode;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger registrations = new AtomicInteger();
  private final Thread acceptor;
  private volatile boolean closed;

  /**
   * Listens on a free port of 127.0.0.1.
   *
   * @param mode what to do after a registration
   * @throws IOException when no port can be bound
   */
  public FakeLeader(Mode mode) throws IOException {
    this.mode = mode;
    this.server = new ServerSocket(0, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
    this.acceptor = new Thread(this::accept, "fake-leader-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** @return the port */
  public int port() {
    return server.getLocalPort();
  }

  /** @return how many registrations were answered */
  public int registrations() {
    return registrations.get();
  }

  /** Closes every open connection, as a leader's death would; new ones are still accepted. */
  public void dropConnections() {
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "fake-leader-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      while (true) {
        in.readByte(); // version
        int type = in.readByte();
        in.readShort();
        long id = in.readLong();
        int timeout = in.readInt();
        int connLength = in.readInt();
        int appLength = in.readInt();
        if (connLength < 0 || connLength > (1 << 20) || appLength < 0 || appLength > (64 << 20)) {
          return;
        }
        byte[] conn = new byte[connLength];
        in.readFully(conn);
        in.skipNBytes(appLength);
        if (type != 0) {
          continue; // a response: nothing waits for it here
        }
        String json = new String(conn, StandardCharsets.UTF_8);
        if (json.contains("\"register_channel\"")) {
          write(out, id, timeout, "{\"type\":\"register_channel_res\"}", "{\"success\":true}");
          registrations.incrementAndGet();
          if (mode == Mode.CLOSE_AFTER_REGISTER) {
            return;
          }
          while (mode == Mode.STOP_READING && !closed && !s.isClosed()) {
            Thread.sleep(20);
          }
        } else if (json.contains("\"heartbeat\"")) {
          write(out, id, timeout, "{\"type\":\"heartbeat_res\"}", "");
        }
      }
    } catch (IOException e) {
      // the follower or the test closed the connection
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      sockets.remove(s);
    }
  }

  private static void write(DataOutputStream out, long id, int timeout, String conn, String app)
      throws IOException {
    byte[] c = conn.getBytes(StandardCharsets.UTF_8);
    byte[] a = app.getBytes(StandardCharsets.UTF_8);
    out.writeByte(1);
    out.writeByte(1);
    out.writeShort(0);
    out.writeLong(id);
    out.writeInt(timeout);
    out.writeInt(c.length);
    out.writeInt(a.length);
    out.write(c);
    out.write(a);
    out.flush();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    dropConnections();
  }
}
