package io.clusterclient.internal.leader;

import io.clusterclient.ClusterException;
import io.clusterclient.ClusterOptions;
import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.Packet;
import io.clusterclient.internal.protocol.PacketPipeline;
import io.clusterclient.internal.session.SessionContext;
import io.clusterclient.internal.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server socket a leading process holds on {@code 127.0.0.1:port}. Several client names may be
 * led through one port: the first packet of a connection, {@code register_channel}, names the channel
 * that serves it. Thread-safe.
 */
public final class LeaderServer {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderServer.class);
  /** Registrations for a name nobody leads yet wait at most this long, and this many at once. */
  private static final long MAX_PARK_MILLIS = 30_000;

  private static final int MAX_PARKED = 1024;
  static final int MAX_NAME_LENGTH = 256;

  private final java.util.function.Consumer<LeaderServer> onClosed;
  private final ClusterOptions options;
  private final Map<String, LeaderChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, List<Parked>> parked = new HashMap<>(); // guarded by this
  private int parkedCount; // guarded by this
  private final ChannelGroup children = new DefaultChannelGroup("cluster-client-followers", GlobalEventExecutor.INSTANCE);
  private volatile Channel serverChannel;
  private volatile boolean closed;
  private int port;
  private String endpoint;
  private Transport transport; // set with serverChannel
  /** The proof asked of every follower: the binding session's, fixed before anyone can connect. */
  private final io.clusterclient.internal.security.Handshake handshake;
  private java.util.concurrent.Executor blocking; // set with serverChannel

  /** Counts connections before they register: the binding session's meters. */
  private final io.clusterclient.internal.session.Traffic traffic;

  private LeaderServer(
      java.util.function.Consumer<LeaderServer> onClosed,
      ClusterOptions options,
      io.clusterclient.internal.security.Handshake handshake,
      io.clusterclient.internal.session.Traffic traffic) {
    this.onClosed = onClosed;
    this.options = options;
    this.handshake = handshake;
    this.traffic = traffic;
  }

  /**
   * Binds the election port, exclusively, on the loopback literal. Never blocks.
   *
   * @param session the session that competes
   * @param port the port, 0 for any
   * @param onClosed told when the server closes, so that its runtime forgets it
   * @return completes with the server; with null when the port is already held; failed when the
   *     port cannot be bound for another reason
   */
  public static CompletableFuture<LeaderServer> bind(
      SessionContext session, int port, java.util.function.Consumer<LeaderServer> onClosed) {
    LeaderServer server = new LeaderServer(onClosed, session.options(), session.handshake(), session.traffic());
    Transport transport = session.transport();
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(transport.group())
            .channel(transport.serverChannelType())
            .childOption(ChannelOption.ALLOCATOR, io.netty.buffer.PooledByteBufAllocator.DEFAULT)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
            .handler(
                // Sees each accepted connection before the acceptor sets it up: the transport
                // keeps it for halt(), and its pipeline stays the server's own.
                new io.netty.channel.ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof Channel child) {
                      transport.openChannels().add(child);
                    }
                    ctx.fireChannelRead(msg);
                  }
                })
            .childHandler(server.initializer());
    transport.configure(bootstrap);
    CompletableFuture<LeaderServer> out = new CompletableFuture<>();
    CompletableFuture<Channel> bind;
    try {
      bind = transport.bind(bootstrap, port, session.elections());
    } catch (RuntimeException e) {
      out.completeExceptionally(e);
      return out;
    }
    bind.whenComplete(
        (ch, e) -> {
          if (e != null) {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
            out.completeExceptionally(
                cause instanceof ClusterException
                    ? cause
                    : new ClusterException("cannot bind " + transport.describe(port) + ": " + cause, cause));
            return;
          }
          if (ch == null) {
            out.complete(null); // a live process holds it
            return;
          }
          server.serverChannel = ch;
          transport.openChannels().add(ch);
          server.transport = transport;
          server.blocking = session.elections();
          server.port = transport.boundPort(ch, port);
          server.endpoint = transport.describe(server.port);
          LOG.debug("bound {}", server.endpoint);
          out.complete(server);
        });
    return out;
  }

  private ChannelInitializer<Channel> initializer() {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        if (closed) {
          ch.close();
          return;
        }
        children.add(ch);
        long idleMillis = options.checkHeartbeat() ? options.heartbeatInterval().toMillis() * 3 : 0;
        ServerConnection connection =
            new ServerConnection(LeaderServer.this, idleMillis, options.maxFrameLength() + (4L << 20));
        PacketPipeline.addCodec(ch.pipeline(), options.maxFrameLength(), connection)
            .addLast("idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS))
            .addLast("connection", connection);
      }
    };
  }

  /** @return the channels this server leads now, for a status report */
  java.util.Collection<LeaderChannel> channels() {
    return List.copyOf(channels.values());
  }

  /** @return TCP or UNIX, for a status report */
  String transportName() {
    return options.transport().name();
  }

  /** @return where connections not registered to a channel are counted: the binding session's */
  io.clusterclient.internal.session.Traffic traffic() {
    return traffic;
  }

  /** @return the proof asked of every follower; null when none is */
  io.clusterclient.internal.security.Handshake handshake() {
    return handshake;
  }

  /** @return where it listens, for messages and as its key in the runtime */
  public String endpoint() {
    return endpoint;
  }

  /** @return the bound port */
  public int port() {
    return port;
  }

  /** @return whether the server still holds its port */
  public boolean isOpen() {
    return !closed;
  }

  /**
   * Adds a channel that this process now leads, and answers the registrations that waited for it.
   *
   * @param channel the channel
   * @return false when the server closed meanwhile; bind again
   */
  boolean register(LeaderChannel channel, io.clusterclient.internal.security.Handshake asked) {
    String mine = handshake == null ? "none (allowUnauthenticated, or a Unix socket)" : handshake.secretFile();
    String theirs = asked == null ? "none (allowUnauthenticated, or a Unix socket)" : asked.secretFile();
    if (!mine.equals(theirs)) {
      // One server, one rule for every follower: clients sharing a port must agree on it.
      throw new io.clusterclient.ClusterConfigurationException(
          "'" + channel.name() + "' cannot lead on " + endpoint + ", which this process already leads"
              + " for other clients with another proof of the owner's secret (theirs: " + mine
              + "; this one's: " + theirs + "): give every client on one port the same"
              + " allowUnauthenticated and runDir, or each its own port");
    }
    List<Parked> waiting;
    synchronized (this) {
      if (closed) {
        return false;
      }
      LeaderChannel existing = channels.putIfAbsent(channel.name(), channel);
      if (existing != null) {
        if (!existing.isSuperseded()) {
          throw new IllegalStateException("two live leaders of '" + channel.name() + "' in one runtime");
        }
        // The session it led for was closed, and its close is still on its way: this one, of the
        // session created since, takes its place now.
        channels.put(channel.name(), channel);
      }
      waiting = parked.remove(channel.name());
      if (waiting != null) {
        parkedCount -= waiting.size();
      }
    }
    if (waiting != null) {
      for (Parked p : waiting) {
        p.connection.parked(null);
        if (p.connection.isActive()) {
          channel.accept(p.connection, p.id, p.timeout);
        }
      }
    }
    return true;
  }

  /**
   * Removes a channel; the last one frees the port, so that the other processes elect a new leader.
   * Connections of channels that hand over stay open; every other one is closed.
   *
   * @param channel the channel
   */
  CompletableFuture<Void> unregister(LeaderChannel channel) {
    boolean last;
    synchronized (this) {
      if (!channels.remove(channel.name(), channel)) {
        return CompletableFuture.completedFuture(null); // replaced already
      }
      last = channels.isEmpty() && !closed;
      if (last) {
        closed = true;
      }
    }
    return last ? close() : CompletableFuture.completedFuture(null);
  }

  /**
   * Frees the port; never waits, as it may run on an event loop. The listening socket closes first;
   * the followers' connections close, and the port is reported free, only once its descriptor is
   * really released: NIO releases it at the event loop's next select, after the close future has
   * completed. So a follower that sees its connection close, or hears of a handover, binds the port
   * at its first try instead of finding it still held and backing off.
   */
  private CompletableFuture<Void> close() {
    onClosed.accept(this);
    synchronized (this) {
      parked.clear();
      parkedCount = 0;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Channel ch = serverChannel;
    LOG.debug("releasing {}", endpoint);
    if (ch == null) {
      closeChildren();
      done.complete(null);
      return done;
    }
    Runnable released =
        () -> {
          closeChildren();
          done.complete(null);
        };
    transport
        .close(ch, port, blocking)
        .whenComplete(
            (x, closeError) -> {
              try {
                // A task scheduled now runs after the loop's next select, which releases the socket.
                ch.eventLoop().schedule(released, 0, TimeUnit.NANOSECONDS);
              } catch (java.util.concurrent.RejectedExecutionException e) {
                released.run();
              }
            });
    return done;
  }

  /** Closes every connection but those of channels that hand over, which close them themselves. */
  private void closeChildren() {
    for (Channel child : children) {
      ServerConnection c = child.pipeline().get(ServerConnection.class);
      if (c == null || !c.isDraining()) {
        child.close();
      }
    }
  }

  /** Routes a {@code register_channel} to its channel, or parks it until that channel is led. */
  void route(ServerConnection connection, Packet packet) {
    route(connection, packet.conn(), packet.id(), packet.timeout());
  }

  /**
   * Routes a {@code register_channel} held until its connection proved itself. Its channel name was
   * checked when it was read (1 to {@link #MAX_NAME_LENGTH} characters).
   */
  void route(ServerConnection connection, ConnObject conn, long id, int timeout) {
    if (ConnObject.STATUS.equals(conn.type())) {
      StatusReport.answer(this, connection, id, timeout); // an operator's, proven as a follower is
      return;
    }
    String name = conn.channelName();
    LeaderChannel channel;
    Parked p = new Parked(connection, id, timeout, name);
    synchronized (this) {
      channel = channels.get(name);
      if (channel == null) {
        // The original drops such a registration and lets the follower retry every 3 s. Keeping it
        // until the channel is led here (or the follower's own timeout passes) answers sooner. One per
        // connection (a retry replaces it), and a bounded number in all: the names come from the wire.
        unpark(connection.parked(p));
        if (parkedCount >= MAX_PARKED) {
          connection.parked(null);
          channel = null;
          p = null;
        } else {
          parked.computeIfAbsent(name, k -> new ArrayList<>()).add(p);
          parkedCount++;
        }
      }
    }
    if (channel != null) {
      channel.accept(connection, id, timeout);
      return;
    }
    if (p == null) {
      connection.drop("too many registrations waiting for channels nobody leads here");
      return;
    }
    Parked expiring = p;
    long wait = Math.min(MAX_PARK_MILLIS, Math.max(1, timeout));
    connection.channel().eventLoop().schedule(() -> {
      synchronized (this) {
        unpark(expiring);
      }
    }, wait, TimeUnit.MILLISECONDS);
    LOG.debug("registration for channel '{}' waits: this process does not lead it (yet)", name);
    connection.acknowledge();
  }

  /** A connection closed while its registration waited. */
  synchronized void forget(Parked p) {
    unpark(p);
  }

  /** Removes a parked registration, and its name once no registration waits for it. */
  private void unpark(Parked p) {
    if (p == null) {
      return;
    }
    List<Parked> list = parked.get(p.name);
    if (list != null && list.remove(p)) {
      parkedCount--;
      if (list.isEmpty()) {
        parked.remove(p.name);
      }
    }
  }

  /** A registration waiting for its channel to be led. Identity matters: no equals by value. */
  static final class Parked {
    final ServerConnection connection;
    final long id;
    final int timeout;
    final String name;

    Parked(ServerConnection connection, long id, int timeout, String name) {
      this.connection = connection;
      this.id = id;
      this.timeout = timeout;
      this.name = name;
    }
  }
}
