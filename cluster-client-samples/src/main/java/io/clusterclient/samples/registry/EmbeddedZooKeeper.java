package io.clusterclient.samples.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZKDatabase;
import org.apache.zookeeper.server.ZooKeeperServer;

/**
 * A standalone ZooKeeper server inside this JVM, on a free port of 127.0.0.1, with its data in a
 * temporary directory deleted on close: nothing to install for the samples and their tests.
 *
 * <p>Because it runs in-process it can be asked what a client cannot see: how many sessions and
 * connections are open ({@link #sessions()}, {@link #aliveConnections()}, the numbers that {@code
 * mntr}'s {@code zk_num_alive_connections} and {@code cons} report) and which session owns each
 * ephemeral node, without opening a session of its own.
 *
 * <pre>{@code
 * try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(500)) {
 *   ServiceRegistry registry = new CuratorServiceRegistry(zk.connectString(), Duration.ofSeconds(2));
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
  private static final String MAX_CONNECTIONS = "zookeeper.maxCnxns";

  private final Path dir;
  private final ZooKeeperServer server;
  private final ServerCnxnFactory connections;
  private volatile boolean closed;

  private EmbeddedZooKeeper(Path dir, ZooKeeperServer server, ServerCnxnFactory connections) {
    this.dir = dir;
    this.server = server;
    this.connections = connections;
  }

  /**
   * Starts a server.
   *
   * @param tickTimeMillis ZooKeeper's tick: sessions may last from 2 to 20 ticks, and expire within
   *     about one tick of their timeout
   * @return the running server
   * @throws IOException when it cannot start
   */
  public static EmbeddedZooKeeper start(int tickTimeMillis) throws IOException {
    if (System.getProperty(MAX_CONNECTIONS) == null) {
      // Without it ZooKeeper warns that the limit is not configured; the samples need a handful.
      System.setProperty(MAX_CONNECTIONS, "1000");
    }
    Path dir = Files.createTempDirectory("embedded-zookeeper-");
    ZooKeeperServer server = null;
    ServerCnxnFactory connections = null;
    try {
      server = new ZooKeeperServer(dir.toFile(), dir.toFile(), tickTimeMillis);
      connections =
          ServerCnxnFactory.createFactory(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1000);
      connections.startup(server);
      return new EmbeddedZooKeeper(dir, server, connections);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown(connections, server, dir);
      throw new IOException("interrupted while starting ZooKeeper", e);
    } catch (IOException | RuntimeException | Error e) {
      shutdown(connections, server, dir);
      throw e;
    }
  }

  /**
   * Where clients connect.
   *
   * @return {@code 127.0.0.1:<port>}
   */
  public String connectString() {
    return "127.0.0.1:" + connections.getLocalPort();
  }

  /**
   * The open sessions, expired ones excluded: a session outlives its client's death (kill -9) until
   * its timeout.
   *
   * @return the number of sessions
   */
  public int sessions() {
    return sessionIds().size();
  }

  /**
   * The ids of the open sessions, expired ones excluded.
   *
   * @return the session ids, sorted
   */
  public List<Long> sessionIds() {
    // Not ZKDatabase.getSessions(): that lists only the sessions that own ephemeral nodes.
    return server.getSessionTracker().globalSessions().stream().sorted().toList();
  }

  /**
   * The open TCP connections of clients; a killed client's connection goes at once, its session later.
   *
   * @return the number of live connections
   */
  public int aliveConnections() {
    return server.getNumAliveConnections();
  }

  /**
   * The children of a node with the session that owns each one (0 for a persistent node), read from
   * the server's own tree.
   *
   * @param path an absolute path
   * @return child name to owner session, sorted by name; empty when the node does not exist
   */
  public Map<String, Long> childrenWithOwners(String path) {
    ZKDatabase db = server.getZKDatabase();
    Map<String, Long> out = new LinkedHashMap<>();
    try {
      List<String> children = db.getChildren(path, new Stat(), null);
      for (String child : children.stream().sorted().toList()) {
        try {
          out.put(child, db.statNode(path + "/" + child, null).getEphemeralOwner());
        } catch (KeeperException.NoNodeException e) {
          // removed between the two reads
        }
      }
    } catch (KeeperException.NoNodeException e) {
      // no such node: no children
    }
    return out;
  }

  /** Stops the server, dropping every session, and deletes its data. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    shutdown(connections, server, dir);
  }

  private static void shutdown(ServerCnxnFactory connections, ZooKeeperServer server, Path dir) {
    if (connections != null) {
      connections.shutdown();
    }
    if (server != null) {
      server.shutdown();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a temporary directory.
    }
  }
}
