package io.clusterclient.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/** TCP over NIO on {@code 127.0.0.1}. Thread-safe. */
public final class NioTransport implements Transport {
  private final ChannelGroup openChannels = new DefaultChannelGroup("cluster-client", GlobalEventExecutor.INSTANCE);
  private final EventLoopGroup group;

  /**
   * Starts the event loops.
   *
   * @param ioThreads how many I/O threads
   * @param threads makes them
   */
  public NioTransport(int ioThreads, ThreadFactory threads) {
    this.group = new MultiThreadIoEventLoopGroup(ioThreads, threads, NioIoHandler.newFactory());
  }

  /**
   * The loopback literal 127.0.0.1: never {@code localhost} (it may resolve elsewhere, or to ::1),
   * never the wildcard, so that every process, Java or Node.js, meets on the same address.
   */
  static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError("a 4-byte address is always valid", e);
    }
  }

  @Override
  public EventLoopGroup group() {
    return group;
  }

  @Override
  public Class<? extends ServerChannel> serverChannelType() {
    return NioServerSocketChannel.class;
  }

  @Override
  public Class<? extends Channel> channelType() {
    return NioSocketChannel.class;
  }

  @Override
  public SocketAddress address(int port) {
    return new InetSocketAddress(loopback(), port);
  }

  @Override
  public String describe(int port) {
    return "127.0.0.1:" + port;
  }

  @Override
  public int boundPort(Channel channel, int port) {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public Transport tcp() {
    return this;
  }

  @Override
  public ChannelGroup openChannels() {
    return openChannels;
  }

  @Override
  public void shutdown(boolean await) {
    io.netty.util.concurrent.Future<?> done = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    if (await) {
      done.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }
}
