package io.clusterclient.internal.session;

import io.clusterclient.internal.leader.LeaderServer;
import io.clusterclient.internal.proxy.MethodTable;
import io.clusterclient.spi.ClientSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * The sessions and leader servers of this process: a second {@code create} of the same name shares
 * the first one's session, and every name led by this process on one port shares one server socket.
 * Thread-safe.
 */
public final class SessionRegistry {
  /** The registry of this process. */
  public static final SessionRegistry INSTANCE = new SessionRegistry();

  private final Map<Key, ClientSession> sessions = new HashMap<>();
  private final Map<Integer, LeaderServer> servers = new HashMap<>();

  /** (single mode or port, name): what identifies a shared client in this process. */
  record Key(boolean single, int port, String name) {}

  /**
   * The session of a spec, joined or created. The caller owns one reference on it.
   *
   * @param spec the builder's description
   * @return the session
   */
  public ClientSession join(ClientSpec<?> spec) {
    String name = spec.options().name().orElse(spec.type().getSimpleName());
    boolean single = spec.options().singleMode();
    Key key = new Key(single, single ? 0 : spec.options().port(), name);
    MethodTable table = MethodTable.of(spec);
    ClientSession created;
    synchronized (this) {
      ClientSession existing = sessions.get(key);
      if (existing != null) {
        ClientSession.checkType(existing, spec);
        if (existing.retain()) {
          return existing;
        }
      }
      created = new ClientSession(this, key, spec, table);
      created.retain();
      sessions.put(key, created);
    }
    created.start();
    return created;
  }

  synchronized void remove(ClientSession session) {
    sessions.remove(session.key(), session);
  }

  /**
   * The server this process runs on a port, if any.
   *
   * @param port the port
   * @return the server, or null
   */
  public synchronized LeaderServer server(int port) {
    LeaderServer s = servers.get(port);
    return s != null && s.isOpen() ? s : null;
  }

  /**
   * Records a server that this process just bound.
   *
   * @param server the server
   */
  public synchronized void addServer(LeaderServer server) {
    servers.put(server.port(), server);
  }

  /**
   * Forgets a server that closed.
   *
   * @param server the server
   */
  public synchronized void removeServer(LeaderServer server) {
    servers.remove(server.port(), server);
  }
}
