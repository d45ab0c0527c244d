package io.clusterclient.internal.session;

import io.clusterclient.ClusterCodec;
import io.clusterclient.ClusterOptions;
import io.clusterclient.RealClientFactory;
import io.clusterclient.internal.proxy.MethodTable;
import io.clusterclient.internal.transport.Transport;
import io.netty.channel.EventLoop;
import java.util.concurrent.Executor;

/**
 * What a leader or a follower backend needs of its session, and nothing more: the leader and
 * follower packages depend on this port, never on the state machine. Thread-safe.
 */
public interface SessionContext {
  /** @return the client name, which is the channel name on the port */
  String name();

  /** @return the election port, the bound one once known when 0 was asked for */
  int port();

  /**
   * Records the port actually bound, when 0 was asked for.
   *
   * @param port the bound port
   */
  void boundPort(int port);

  /** @return the methods of the client type */
  MethodTable table();

  /** @return the codec of application objects */
  ClusterCodec codec();

  /** @return the options */
  ClusterOptions options();

  /** @return creates the real client, in the leader only */
  RealClientFactory<?> factory();

  /** @return runs real client calls and other work that may block */
  Executor worker();

  /** @return runs the real client's creation and close: never queued behind user callbacks */
  Executor elections();

  /** @return runs asynchronous results and callbacks; never an I/O thread */
  Executor callbackExecutor();

  /** @return the sockets */
  Transport transport();

  /**
   * @return the proof that peers know the owner's secret, over TCP; null where none is asked for
   *     (a Unix socket, single mode, or allowUnauthenticated)
   */
  io.clusterclient.internal.security.Handshake handshake();

  /** @return the event loop of this session, which a follower's connection runs on */
  EventLoop eventLoop();

  /** @return whether the session was closed: a leader of it left behind may be replaced */
  boolean isClosed();

  /**
   * @return where this session's connections count their bytes, pushes and dropped followers;
   *     {@link Traffic#DISCARD} for a backend whose counts nobody reads
   */
  default Traffic traffic() {
    return Traffic.DISCARD;
  }

  /** @return the session's meters now, for a status report */
  default io.clusterclient.ClusterMetrics metrics() {
    return io.clusterclient.ClusterMetrics.builder().build();
  }

  /** @return the keys this process subscribed, for a status report */
  default java.util.Set<String> subscriptionKeys() {
    return java.util.Set.of();
  }

  /** @return how many publishes this process remembers, for a status report */
  default int rememberedPublishes() {
    return 0;
  }
}
