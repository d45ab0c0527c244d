package io.clusterclient.internal.election;

import io.clusterclient.internal.follower.FollowerConnection;
import io.clusterclient.internal.leader.LeaderChannel;
import io.clusterclient.internal.leader.LeaderServer;
import io.clusterclient.internal.runtime.DefaultRuntime;
import io.clusterclient.internal.session.Backend;
import io.clusterclient.internal.session.BackendEvents;
import io.clusterclient.internal.session.Elector;
import io.clusterclient.internal.session.SessionContext;
import java.util.concurrent.CompletableFuture;

/**
 * The election over real sockets: lead by binding {@code 127.0.0.1:port} (one server per port and
 * runtime, shared by the names led there), follow by connecting to whoever holds it. Nothing blocks:
 * Netty's bind and connect complete futures on the event loops. Thread-safe.
 */
public final class NettyElector implements Elector {
  private final DefaultRuntime runtime;
  private final SessionContext session;

  /**
   * Creates the elector of a session.
   *
   * @param runtime the runtime, which holds the servers
   * @param session the session that competes
   */
  public NettyElector(DefaultRuntime runtime, SessionContext session) {
    this.runtime = runtime;
    this.session = session;
  }

  @Override
  public CompletableFuture<Backend> lead(BackendEvents events) {
    if (session.options().singleMode()) {
      return LeaderChannel.start(session, null, events);
    }
    return lead(events, true);
  }

  private CompletableFuture<Backend> lead(BackendEvents events, boolean again) {
    return runtime
        .server(
            session.transport().describe(session.port()),
            session.port(),
            port -> LeaderServer.bind(session, port, runtime::removeServer))
        .thenCompose(
            server -> {
              if (server == null) {
                return CompletableFuture.completedFuture(null); // another process holds the port
              }
              session.boundPort(server.port());
              return LeaderChannel.start(session, server, events)
                  .thenCompose(
                      b ->
                          b == null && again
                              // This runtime's server closed under us (its last name left):
                              // bind again rather than follow a port that is going away.
                              ? lead(events, false)
                              : CompletableFuture.completedFuture(b));
            });
  }

  @Override
  public CompletableFuture<Backend> follow(BackendEvents events, long deadlineNanos) {
    return FollowerConnection.connect(session, events, deadlineNanos);
  }
}
