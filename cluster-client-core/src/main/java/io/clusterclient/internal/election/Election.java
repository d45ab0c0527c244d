package io.clusterclient.internal.election;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterTimeoutException;
import io.clusterclient.internal.follower.FollowerConnection;
import io.clusterclient.internal.leader.LeaderChannel;
import io.clusterclient.internal.leader.LeaderServer;
import io.clusterclient.internal.session.Backend;
import io.clusterclient.internal.session.ClientSession;
import io.clusterclient.internal.session.SessionRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One election round of a session, run on a worker thread: bind {@code 127.0.0.1:port} and lead, or
 * connect to whoever holds it and follow; when neither works (the holder is going away), compete
 * again until {@code maxWaitTime}.
 */
public final class Election {
  private static final Logger LOG = LoggerFactory.getLogger(Election.class);
  private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private Election() {}

  /**
   * Runs one round.
   *
   * @param session the session that competes
   * @return the backend of the role won
   * @throws Exception when no role could be had within {@code maxWaitTime}, or the real client failed
   */
  public static Backend run(ClientSession session) throws Exception {
    if (session.options().singleMode()) {
      return LeaderChannel.start(session, null);
    }
    Boolean forced = session.options().leader().orElse(null);
    long deadline = System.nanoTime() + session.options().maxWaitTime().toNanos();
    long backoff = MIN_BACKOFF_NANOS;
    Exception last = null;
    while (true) {
      if (session.isClosed()) {
        throw session.closedException();
      }
      if (!Boolean.FALSE.equals(forced)) {
        LeaderServer server = serverFor(session);
        if (server != null) {
          session.boundPort(server.port());
          LeaderChannel leader = LeaderChannel.start(session, server);
          if (leader != null) {
            return leader;
          }
          continue; // the server closed under us: bind again
        }
        if (Boolean.TRUE.equals(forced)) {
          throw new ClusterConfigurationException(
              "leader(true) was asked for '" + session.name() + "', but 127.0.0.1:"
                  + session.port() + " is held by another process; stop it, choose another port "
                  + "(CLUSTER_CLIENT_PORT), or let this process follow (leader unset)");
        }
      }
      try {
        return FollowerConnection.connect(session, deadline);
      } catch (FollowerConnection.NoLeaderException e) {
        last = e;
        LOG.debug("[cluster-client:{}] no leader yet: {}", session.name(), e.getMessage());
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new ClusterTimeoutException(
            "no leader for '" + session.name() + "' on 127.0.0.1:" + session.port()
                + " within maxWaitTime " + session.options().maxWaitTime().toMillis() + " ms"
                + (last == null ? "" : " (last attempt: " + last.getMessage() + ")")
                + "; start a leader, or raise maxWaitTime",
            session.options().maxWaitTime());
      }
      LockSupport.parkNanos(Math.min(backoff, left));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
    }
  }

  private static LeaderServer serverFor(ClientSession session) throws InterruptedException {
    SessionRegistry registry = session.registry();
    synchronized (registry) {
      LeaderServer existing = registry.server(session.port());
      if (existing != null) {
        return existing;
      }
      LeaderServer bound = LeaderServer.tryBind(session, registry);
      if (bound != null) {
        registry.addServer(bound);
      }
      return bound;
    }
  }
}
