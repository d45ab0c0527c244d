package io.clusterclient.internal.status;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterException;
import io.clusterclient.ClusterOptions;
import io.clusterclient.ClusterSecurityException;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.ClusterTransport;
import io.clusterclient.ProtocolException;
import io.clusterclient.internal.codec.JsonCodec;
import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.Packet;
import io.clusterclient.internal.security.ClusterSecret;
import io.clusterclient.internal.security.Handshake;
import io.clusterclient.internal.transport.RunDirectory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Asks the leader on a port for its {@link io.clusterclient.internal.leader.StatusReport}, as the
 * {@code cluster-client status} command does: connects as a follower would (to {@code
 * 127.0.0.1:port}, or to {@code <runDir>/<port>.sock}), proves over TCP that it knows the owner's
 * secret exactly as a follower does (the same {@link Handshake}, bound to the channel {@link
 * ConnObject#STATUS_CHANNEL}), and reads one answer. Blocking, one connection per request; every
 * length read from the wire is checked before anything is allocated. A holder of the port that is
 * not a Java leader of this protocol gets a message that says so. Thread-safe: stateless.
 */
public final class StatusClient {
  /** The largest answer read: a report lists at most 500 entries of each kind, far below this. */
  static final int MAX_ANSWER_BYTES = 16 << 20;

  private static final int MAX_CONN_BYTES = 64 << 10;
  private static final long REQUEST_ID = 1;

  private StatusClient() {}

  /**
   * Fetches the status report of the leader that {@code options} point to (port, transport,
   * runDir, allowUnauthenticated).
   *
   * @param options where the cluster is
   * @param timeout how long to wait for the whole answer
   * @return the report, a JSON object
   * @throws ClusterException naming the cause and the fix: nobody on the port ({@link
   *     io.clusterclient.ClusterException}), a holder that answers nothing ({@link
   *     ClusterTimeoutException}), one that does not speak the protocol ({@link ProtocolException}),
   *     one that refuses this process or cannot prove itself ({@link ClusterSecurityException})
   */
  public static Map<String, Object> fetch(ClusterOptions options, Duration timeout) {
    int port = options.port();
    boolean unix = options.transport() == ClusterTransport.UNIX;
    Path runDir = unix || !options.allowUnauthenticated() ? runDir(options) : null;
    SocketAddress address =
        unix
            ? UnixDomainSocketAddress.of(runDir.resolve(port + ".sock"))
            : new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    String where = unix ? runDir.resolve(port + ".sock").toString() : "127.0.0.1:" + port;
    try (SocketChannel channel = SocketChannel.open(unix ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET)) {
      Thread watchdog = watchdog(channel, timeout);
      try {
        try {
          channel.connect(address);
        } catch (ConnectException | java.nio.file.NoSuchFileException e) {
          throw nobody(where, unix, e);
        } catch (IOException e) {
          if (unix && !Files.exists(runDir.resolve(port + ".sock"), LinkOption.NOFOLLOW_LINKS)) {
            throw nobody(where, true, e);
          }
          throw e;
        }
        // The secret once someone listens: "nobody there" is the likelier news, and the plainer.
        Handshake handshake = unix || options.allowUnauthenticated() ? null : handshake(runDir);
        return exchange(channel, port, where, handshake, timeout);
      } finally {
        watchdog.interrupt();
      }
    } catch (AsynchronousCloseException e) {
      throw silent(where, timeout, e);
    } catch (IOException e) {
      throw new ClusterException("cannot ask " + where + " for its status: " + e, e);
    }
  }

  private static Map<String, Object> exchange(
      SocketChannel channel, int port, String where, Handshake handshake, Duration timeout) throws IOException {
    String nonce = handshake == null ? null : Handshake.nonce();
    Map<String, Object> offer = new LinkedHashMap<>();
    offer.put("pid", ProcessHandle.current().pid());
    if (nonce != null) {
      offer.put("nonce", nonce);
    }
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    write(channel, REQUEST_ID, timeoutMillis, ConnObject.status(), Handshake.app(offer));
    boolean leaderProven = false;
    while (true) {
      Frame f = read(channel, where);
      if (f.response && f.id == 0 && ConnObject.AUTH_CHALLENGE.equals(f.type)) {
        if (handshake == null) {
          continue; // not asked for: a leader that challenges anyway refuses below
        }
        Map<?, ?> challenge = Handshake.appObject(Unpooled.wrappedBuffer(f.app));
        if (!challenge.containsKey("proof")) {
          // A greeting with the leader's nonce alone (leaders that greet each connection): the
          // request above carries no proof, so the leader challenges it with its own proof next.
          continue;
        }
        Object leaderNonce = challenge.get("nonce");
        if (!Handshake.isNonce(leaderNonce)
            || !Handshake.matches(
                handshake.leaderProof(port, ConnObject.STATUS_CHANNEL, nonce, (String) leaderNonce),
                challenge.get("proof"))) {
          throw new ClusterSecurityException(
              "the process holding " + where + " could not prove that it knows the owner's secret ("
                  + handshake.secretFile() + "): it is not one of this owner's processes (another"
                  + " user's, or one with another runDir: pass the cluster's --run-dir); nothing was"
                  + " asked of it");
        }
        leaderProven = true;
        write(channel, 2, timeoutMillis, ConnObject.of(ConnObject.AUTH_PROOF),
            Handshake.app("proof",
                handshake.followerProof(port, ConnObject.STATUS_CHANNEL, (String) leaderNonce, nonce)));
        continue;
      }
      if (!f.response || f.id != REQUEST_ID) {
        continue; // an acknowledgement, or anything else a leader may say first
      }
      if (ConnObject.REGISTER_CHANNEL_RES.equals(f.type)) {
        throw refused(where, handshake, f.app);
      }
      if (handshake != null && !leaderProven) {
        // Like a follower, trust no report from a holder that has not proven it knows the secret.
        throw new ClusterSecurityException(
            "the process holding " + where + " answered without proving that it knows the owner's"
                + " secret (" + handshake.secretFile() + "): another user's process, or a leader with"
                + " allowUnauthenticated(true) (then pass --allow-unauthenticated); its answer was ignored");
      }
      if (!ConnObject.STATUS_RES.equals(f.type)) {
        throw new ProtocolException(
            where + " answered the status request with '" + f.type + "', not a status report: a"
                + " peer of another version of this protocol");
      }
      Object body = JsonCodec.shared().decode(new ByteArrayInputStream(f.app), Map.class);
      if (!(body instanceof Map<?, ?> map) || !(map.get("version") instanceof Number v)) {
        throw new ProtocolException(where + " answered with a status report that is not a JSON object");
      }
      if (v.intValue() > io.clusterclient.internal.leader.StatusReport.VERSION) {
        throw new ProtocolException(
            where + " answered with a status report of version " + v + ", newer than this command"
                + " reads (" + io.clusterclient.internal.leader.StatusReport.VERSION + "): use the"
                + " command of the leader's version");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> report = (Map<String, Object>) map;
      return report;
    }
  }

  private static ClusterException refused(String where, Handshake handshake, byte[] app) {
    Map<?, ?> res = Handshake.appObject(Unpooled.wrappedBuffer(app));
    Object message = res.get("error") instanceof Map<?, ?> error ? error.get("message") : res;
    String said = String.valueOf(message);
    if (said.length() > 300) {
      said = said.substring(0, 300) + "...";
    }
    return new ClusterSecurityException(
        "the leader on " + where + " refused the status request"
            + (handshake == null
                ? ": it asks for a proof of the owner's secret, and --allow-unauthenticated offers none;"
                    + " drop that option"
                : ": it did not accept the proof of " + handshake.secretFile() + " (run the command"
                    + " as the cluster's user, with its --run-dir)")
            + "; it said: " + said);
  }

  private static ClusterException nobody(String where, boolean unix, Exception e) {
    return new ClusterException(
        "nobody listens on " + where + ": no cluster leads there"
            + (unix
                ? " (a cluster over TCP? drop --transport unix; another run directory? pass --run-dir)"
                : " (a cluster over Unix sockets? pass --transport unix and its --run-dir; another"
                    + " port? pass --port)"),
        e);
  }

  private static ClusterTimeoutException silent(String where, Duration timeout, Exception e) {
    ClusterTimeoutException t = new ClusterTimeoutException(
        where + " accepted the connection but answered no status within " + timeout.toMillis()
            + " ms: a Node.js leader (the status packet is Java-only), a Java leader older than the"
            + " status packet, a leader that is stopped or hung, or another program holds the port",
        timeout);
    t.initCause(e);
    return t;
  }

  private static Path runDir(ClusterOptions options) {
    Path dir = RunDirectory.resolve(options);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new ClusterConfigurationException(
          "the run directory " + dir + " does not exist: no cluster of this user uses it; pass the"
              + " cluster's --run-dir, or run the command as the cluster's user");
    }
    return RunDirectory.prepare(options, "the status command");
  }

  private static Handshake handshake(Path runDir) {
    if (!Files.exists(runDir.resolve("secret"), LinkOption.NOFOLLOW_LINKS)) {
      throw new ClusterConfigurationException(
          "no cluster secret in " + runDir + ": no cluster of this user with this run directory"
              + " authenticates over TCP; pass the cluster's --run-dir, run the command as the"
              + " cluster's user, or pass --allow-unauthenticated for a cluster that set"
              + " allowUnauthenticated(true)");
    }
    try {
      return new Handshake(ClusterSecret.load(runDir, RunDirectory.ownUid()));
    } catch (IOException e) {
      throw new ClusterConfigurationException("cannot tell this process's uid: " + e, e);
    }
  }

  /** Closes the channel at the deadline: a blocked read then fails with AsynchronousCloseException. */
  private static Thread watchdog(SocketChannel channel, Duration timeout) {
    Thread t = new Thread(() -> {
      try {
        Thread.sleep(Math.max(1, timeout.toMillis()));
        channel.close();
      } catch (InterruptedException | IOException e) {
        // answered in time, or closed already
      }
    }, "cluster-client-status-timeout");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void write(SocketChannel channel, long id, int timeout, ConnObject conn, ByteBuf app)
      throws IOException {
    byte[] c = conn.toJsonBytes();
    int appLength = app.readableBytes();
    ByteBuffer out = ByteBuffer.allocate(Packet.HEADER_LENGTH + c.length + appLength);
    out.put((byte) Packet.VERSION).put((byte) 0).putShort((short) 0).putLong(id).putInt(timeout)
        .putInt(c.length).putInt(appLength).put(c);
    app.readBytes(out);
    app.release();
    out.flip();
    while (out.hasRemaining()) {
      channel.write(out);
    }
  }

  private record Frame(boolean response, long id, String type, byte[] app) {}

  private static Frame read(SocketChannel channel, String where) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(Packet.HEADER_LENGTH);
    readFully(channel, header, where, true);
    header.flip();
    int version = header.get() & 0xff;
    int kind = header.get() & 0xff;
    header.getShort();
    long id = header.getLong();
    header.getInt();
    int connLength = header.getInt();
    int appLength = header.getInt();
    if (version != Packet.VERSION || (kind != 0 && kind != 1)) {
      throw notThisProtocol(where, "its first bytes are not a packet header (version " + version + ")");
    }
    if (connLength < 0 || connLength > MAX_CONN_BYTES || appLength < 0 || appLength > MAX_ANSWER_BYTES) {
      throw notThisProtocol(where, "it announced a packet of " + connLength + " + " + appLength + " bytes");
    }
    ByteBuffer conn = ByteBuffer.allocate(connLength);
    readFully(channel, conn, where, false);
    ByteBuffer app = ByteBuffer.allocate(appLength);
    readFully(channel, app, where, false);
    ConnObject parsed;
    try {
      parsed = ConnObject.parse(Unpooled.wrappedBuffer(conn.array()));
    } catch (RuntimeException e) {
      throw notThisProtocol(where, "its connection object is not one: " + e.getMessage());
    }
    return new Frame(kind == 1, id, parsed.type(), app.array());
  }

  private static ProtocolException notThisProtocol(String where, String what) {
    return new ProtocolException(
        where + " is held by something that does not speak the cluster-client protocol (" + what
            + "): another program uses the port");
  }

  private static void readFully(SocketChannel channel, ByteBuffer into, String where, boolean first)
      throws IOException {
    while (into.hasRemaining()) {
      if (channel.read(into) < 0) {
        if (first && into.position() == 0) {
          throw new ClusterException(
              where + " closed the connection without answering the status request: a leader"
                  + " shutting down, or a program that is not a cluster-client leader; try again");
        }
        throw notThisProtocol(where, "it closed the connection in the middle of a packet");
      }
    }
  }
}
