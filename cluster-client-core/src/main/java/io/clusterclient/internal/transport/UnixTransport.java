package io.clusterclient.internal.transport;

import io.clusterclient.ClusterConfigurationException;
import io.clusterclient.ClusterException;
import io.clusterclient.ClusterOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unix-domain sockets in an owner-only run directory: the election of port {@code P} is the socket
 * {@code <runDir>/P.sock}. Only the owner of the directory (and root) can reach it, so no other
 * user's process can call the real client. Runs on the event loops of the runtime's TCP transport;
 * Netty's NIO domain-socket channels need no native library (JDK 16+). Thread-safe.
 *
 * <p><b>Stale sockets.</b> A socket file outlives a process killed by SIGKILL. A process that
 * finds the file in use probes it: a live leader accepts the connection; a stale file refuses it,
 * and is replaced. Every bind, every replacement and every close (which deletes the file) happens
 * under a lock on {@code P.lock} beside the socket (a {@link FileLock} between processes, a {@link
 * ReentrantLock} within this JVM), held from the probe until the new socket listens, and from a
 * close until its file is gone: so two processes never both find a file stale and both lead, no
 * probe sees a socket between its bind and its listen, and no close deletes the file of a leader
 * bound after it.
 */
public final class UnixTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(UnixTransport.class);
  /** sun_path holds 108 bytes on Linux and 104 on macOS, its terminating zero included. */
  private static final int MAX_SOCKET_PATH_BYTES = 103;

  private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Transport tcp;
  private final Path runDir;

  private UnixTransport(Transport tcp, Path runDir) {
    this.tcp = tcp;
    this.runDir = runDir;
  }

  /**
   * The Unix transport of some options, on the event loops of a TCP transport: resolves the run
   * directory, creates it owner-only if missing, and refuses one that is not safe.
   *
   * @param tcp the runtime's TCP transport, whose event loops it shares
   * @param options the options: {@code runDir}, or its default
   * @return the transport
   * @throws ClusterConfigurationException naming the directory and the fix when it cannot be used
   */
  public static UnixTransport of(Transport tcp, ClusterOptions options) {
    Path dir = RunDirectory.prepare(options, "transport UNIX");
    String origin = options.originOf("runDir");
    Path probe = dir.resolve("65535.sock");
    if (probe.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
      throw new ClusterConfigurationException(
          "the run directory " + dir + " is too long for a Unix socket path (at most "
              + MAX_SOCKET_PATH_BYTES + " bytes with the socket's name): choose a shorter runDir"
              + " (" + RunDirectory.hint(origin) + ")");
    }
    return new UnixTransport(tcp, dir);
  }

  /** @return the run directory */
  public Path runDir() {
    return runDir;
  }

  /**
   * The socket of a port.
   *
   * @param port the port
   * @return {@code <runDir>/<port>.sock}
   */
  public Path socketPath(int port) {
    return runDir.resolve(port + ".sock");
  }

  @Override
  public EventLoopGroup group() {
    return tcp.group();
  }

  @Override
  public Class<? extends ServerChannel> serverChannelType() {
    return NioServerDomainSocketChannel.class;
  }

  @Override
  public Class<? extends Channel> channelType() {
    return NioDomainSocketChannel.class;
  }

  @Override
  public SocketAddress address(int port) {
    return UnixDomainSocketAddress.of(socketPath(port));
  }

  @Override
  public String describe(int port) {
    return socketPath(port).toString();
  }

  @Override
  public Bootstrap configure(Bootstrap bootstrap) {
    return bootstrap; // no TCP options on a Unix socket
  }

  @Override
  public ServerBootstrap configure(ServerBootstrap bootstrap) {
    return bootstrap;
  }

  @Override
  public CompletableFuture<Channel> bind(ServerBootstrap bootstrap, int port, Executor blocking) {
    return CompletableFuture.supplyAsync(() -> bindLocked(bootstrap, socketPath(port)), blocking);
  }

  @Override
  public CompletableFuture<Void> close(Channel server, int port, Executor blocking) {
    Path socket = socketPath(port);
    try {
      return closeLocked(server, socket, blocking);
    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
      // The runtime is shutting down: close without the lock rather than not at all.
      CompletableFuture<Void> out = new CompletableFuture<>();
      server.close().addListener(f -> out.complete(null));
      return out;
    }
  }

  private static CompletableFuture<Void> closeLocked(Channel server, Path socket, Executor blocking) {
    return CompletableFuture.runAsync(
        () -> {
          ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(socket, s -> new ReentrantLock());
          jvmLock.lock();
          try (FileChannel lockFile = openLockFile(socket)) {
            FileLock lock = lockFile.lock();
            try {
              server.close().awaitUninterruptibly(); // Netty deletes the file once it is closed
            } finally {
              lock.release();
            }
          } catch (IOException e) {
            LOG.debug("closing {} without its lock: {}", socket, e.toString());
            server.close().awaitUninterruptibly();
          } finally {
            jvmLock.unlock();
          }
        },
        blocking);
  }

  private Channel bindLocked(ServerBootstrap bootstrap, Path socket) {
    ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(socket, s -> new ReentrantLock());
    jvmLock.lock();
    try (FileChannel lockFile = openLockFile(socket)) {
      FileLock lock = lockFile.lock();
      try {
        return bindOrReplace(bootstrap, socket);
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      throw new ClusterException("cannot bind the Unix socket " + socket + ": " + e, e);
    } finally {
      jvmLock.unlock();
    }
  }

  /** Under the lock: binds, or finds a live leader, or replaces a stale file and binds. */
  private static Channel bindOrReplace(ServerBootstrap bootstrap, Path socket) throws IOException {
    Channel bound = tryBind(bootstrap, socket);
    if (bound != null) {
      return bound;
    }
    switch (probe(socket)) {
      case LIVE:
        return null; // a leader listens there: follow it
      case GONE:
        return tryBind(bootstrap, socket);
      case STALE:
      default:
        checkReplaceable(socket);
        LOG.debug("replacing the stale socket {}", socket);
        Files.deleteIfExists(socket);
        return tryBind(bootstrap, socket);
    }
  }


  private static FileChannel openLockFile(Path socket) throws IOException {
    Path lock = socket.resolveSibling(socket.getFileName().toString().replace(".sock", ".lock"));
    try {
      return FileChannel.open(
          lock,
          Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
    } catch (java.nio.file.FileAlreadyExistsException exists) {
      return FileChannel.open(lock, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** Binds and listens, waiting for Netty on this (non-event-loop) thread; null when in use. */
  private static Channel tryBind(ServerBootstrap bootstrap, Path socket) throws IOException {
    ChannelFuture f = bootstrap.bind(UnixDomainSocketAddress.of(socket)).awaitUninterruptibly();
    if (f.isSuccess()) {
      Files.setPosixFilePermissions(socket, OWNER_ONLY_FILE);
      return f.channel();
    }
    if (f.cause() instanceof BindException) {
      return null;
    }
    throw new IOException(f.cause().toString(), f.cause());
  }

  enum Probe {
    /** Something accepts connections: a live leader. */
    LIVE,
    /** The file refuses connections: nobody listens on it any more. */
    STALE,
    /** There is no file any more. */
    GONE
  }

  /**
   * Connects to the socket without blocking, to tell a live leader from a file left behind.
   *
   * @param socket the socket file
   * @return what is there
   */
  static Probe probe(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.configureBlocking(false);
      ch.connect(UnixDomainSocketAddress.of(socket)); // connected, or pending: someone listens
      return Probe.LIVE;
    } catch (ConnectException refused) {
      return Probe.STALE;
    } catch (IOException e) {
      if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
        return Probe.GONE;
      }
      // EAGAIN (a full backlog) and the like: someone listens, but is busy.
      return Probe.LIVE;
    }
  }

  /** A stale file is replaced only if it is a socket of this user: never anything else. */
  private static void checkReplaceable(Path socket) throws IOException {
    BasicFileAttributes attributes =
        Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attributes.isOther()) {
      throw new ClusterConfigurationException(
          socket + " is in the run directory but is not a socket (a file, directory or link"
              + " someone put there); the library never removes it: remove it yourself, or choose"
              + " another runDir");
    }
    int owner = (Integer) Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != RunDirectory.ownUid()) {
      throw new ClusterConfigurationException(
          "the stale socket " + socket + " belongs to uid " + owner + ", not to this process's uid "
              + RunDirectory.ownUid() + ": remove it yourself, or choose another runDir");
    }
  }

  @Override
  public int boundPort(Channel channel, int port) {
    return port;
  }

  @Override
  public Transport tcp() {
    return tcp;
  }

  @Override
  public void shutdown(boolean await) {
    // The event loops belong to the TCP transport.
  }
}
