package io.clusterclient.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.net.SocketAddress;

/**
 * The seam between the cluster logic and the kind of socket it runs on. Today TCP on the loopback
 * literal; a Unix-domain-socket variant only has to implement this. Implementations are thread-safe.
 */
public interface Transport {
  /**
   * The event loops that run every channel of this transport.
   *
   * @return the group
   */
  EventLoopGroup group();

  /**
   * The server channel type to bind with.
   *
   * @return the class
   */
  Class<? extends ServerChannel> serverChannelType();

  /**
   * The client channel type to connect with.
   *
   * @return the class
   */
  Class<? extends Channel> channelType();

  /**
   * The address of the election on this port: for TCP, {@code 127.0.0.1:port}, never a wildcard.
   *
   * @param port the port
   * @return the address to bind and to connect to
   */
  SocketAddress address(int port);

  /**
   * Releases the event loops.
   *
   * @param await whether to wait (bounded) for their threads to end: not from one of them
   */
  void shutdown(boolean await);
}
