package io.clusterclient.internal.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import java.net.BindException;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The seam between the cluster logic and the kind of socket it runs on: TCP on the loopback
 * literal ({@link NioTransport}) or a Unix-domain socket in an owner-only directory ({@link
 * UnixTransport}). Implementations are thread-safe.
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
   * The address of the election on this port, for messages and logs.
   *
   * @param port the port
   * @return {@code 127.0.0.1:7777}, or the socket's path
   */
  String describe(int port);

  /**
   * Sets the options of a connection to a leader that this transport supports.
   *
   * @param bootstrap the follower's bootstrap
   * @return the bootstrap
   */
  default Bootstrap configure(Bootstrap bootstrap) {
    return bootstrap.option(ChannelOption.TCP_NODELAY, true);
  }

  /**
   * Sets the options of the connections a leader accepts that this transport supports.
   *
   * @param bootstrap the leader's bootstrap
   * @return the bootstrap
   */
  default ServerBootstrap configure(ServerBootstrap bootstrap) {
    return bootstrap.childOption(ChannelOption.TCP_NODELAY, true);
  }

  /**
   * Binds the election's address. Never blocks the caller; a transport that has to wait (for a
   * lock beside a socket file) does so on {@code blocking}.
   *
   * @param bootstrap the configured server bootstrap
   * @param port the port
   * @param blocking where waiting work may run
   * @return completes with the bound channel; with null when a live process holds the address;
   *     failed when it cannot be bound for another reason
   */
  default CompletableFuture<Channel> bind(ServerBootstrap bootstrap, int port, Executor blocking) {
    CompletableFuture<Channel> out = new CompletableFuture<>();
    bootstrap
        .bind(address(port))
        .addListener(
            f -> {
              if (f.isSuccess()) {
                out.complete(((io.netty.channel.ChannelFuture) f).channel());
              } else if (f.cause() instanceof BindException) {
                out.complete(null);
              } else {
                out.completeExceptionally(f.cause());
              }
            });
    return out;
  }

  /**
   * Closes a bound server channel. Never blocks the caller.
   *
   * @param server the server channel
   * @param port its port
   * @param blocking where waiting work may run
   * @return completes once it is closed
   */
  default CompletableFuture<Void> close(Channel server, int port, Executor blocking) {
    CompletableFuture<Void> out = new CompletableFuture<>();
    server.close().addListener(f -> out.complete(null));
    return out;
  }

  /**
   * The port a bound server channel listens on: the one asked for, or the one chosen for 0.
   *
   * @param channel the bound server channel
   * @param port the port asked for
   * @return the port
   */
  int boundPort(Channel channel, int port);

  /**
   * The TCP transport on the same event loops, for a rehearsal on a private ephemeral port.
   *
   * @return a TCP transport
   */
  Transport tcp();

  /**
   * The open channels of this transport, server and connections: a channel leaves it when it closes.
   * A runtime's {@code halt()} closes them all at once, without a word to the peers, as the OS does to
   * the sockets of a process that is killed.
   *
   * @return a live, thread-safe group
   */
  ChannelGroup openChannels();

  /**
   * Releases the event loops, when this transport owns them.
   *
   * @param await whether to wait (bounded) for their threads to end: not from one of them
   */
  void shutdown(boolean await);
}
