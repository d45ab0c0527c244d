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
 * finds the file probes it: a live leader accepts the connection; a stale file refuses it, and is
 * replaced. A new socket is bound under a name of its own, made owner-only, and renamed into place
 * (atomically replacing a stale file). Every bind, replacement and delete happens under a lock on
 * {@code P.lock} beside the socket (a {@link FileLock} between processes, a {@link ReentrantLock}
 * within this JVM, each waited for at most 10 s), held from the probe until the new socket is in
 * place: so two processes never both find a file stale and both lead, and no probe sees a socket
 * that does not listen yet. A closing leader deletes the file under the lock, and only if it is
 * still its own (same device and inode); Netty's own close deletes only the name the socket was
 * bound to, which is gone by then, so no close can delete the socket of a leader bound after it.
 */
public final class UnixTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(UnixTransport.class);
  /** sun_path holds 108 bytes on Linux and 104 on macOS, its terminating zero included. */
  private static final int MAX_SOCKET_PATH_BYTES = 103;

  private static final Set<PosixFilePermission> OWNER_ONLY_FILE = RunDirectory.OWNER_ONLY_FILE;
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
  private static final long LOCK_WAIT_MILLIS = 10_000;
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
  /** The file (device and inode) a server channel's socket was renamed to. */
  private static final io.netty.util.AttributeKey<Object> FILE_KEY =
      io.netty.util.AttributeKey.valueOf(UnixTransport.class, "fileKey");

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
    Path probe = dir.resolve(".65535.sock.ffffffffffffffff"); // the longest name a socket is bound to
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
    Path socket = socketPath(port);
    return CompletableFuture.supplyAsync(() -> locked(socket, () -> bindOrReplace(bootstrap, socket)), blocking);
  }

  @Override
  public CompletableFuture<Void> close(Channel server, int port, Executor blocking) {
    Path socket = socketPath(port);
    Runnable close =
        () -> {
          try {
            locked(socket, () -> {
              deleteIfOurs(server, socket);
              return null;
            });
          } catch (RuntimeException e) {
            LOG.debug("closing {}: its file stays, stale: {}", socket, e.toString());
          } finally {
            server.close().awaitUninterruptibly();
          }
        };
    try {
      return CompletableFuture.runAsync(close, blocking);
    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
      // The runtime is shutting down: close the socket and leave its file, stale, to the next
      // leader (deleting it without the lock could delete the next leader's).
      CompletableFuture<Void> out = new CompletableFuture<>();
      server.close().addListener(f -> out.complete(null));
      return out;
    }
  }

  /** Work that must not interleave with another process's on the same socket. */
  private interface Locked<T> {
    T run() throws IOException;
  }

  /**
   * Runs under the lock of a socket: this JVM's, then a {@link FileLock} on {@code P.lock} between
   * processes, waited for at most {@link #LOCK_WAIT_MILLIS}.
   */
  private static <T> T locked(Path socket, Locked<T> work) {
    ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(socket, k -> new ReentrantLock());
    try {
      if (!jvmLock.tryLock(LOCK_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        throw lockTimeout(socket);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException("interrupted waiting for the lock of " + socket, e);
    }
    try (FileChannel lockFile = openLockFile(socket)) {
      FileLock lock;
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(LOCK_WAIT_MILLIS);
      while ((lock = lockFile.tryLock()) == null) {
        if (System.nanoTime() - deadline > 0) {
          throw lockTimeout(socket);
        }
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
      }
      try {
        return work.run();
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      throw new ClusterException("cannot use the Unix socket " + socket + ": " + e, e);
    } finally {
      jvmLock.unlock();
    }
  }

  private static ClusterException lockTimeout(Path socket) {
    return new ClusterException(
        "another process has held the lock of " + socket + " for over " + LOCK_WAIT_MILLIS
            + " ms (stopped or hung while binding or closing it): electing again later");
  }

  /**
   * Under the lock: finds a live leader, or binds a new socket in place of none or of a stale one.
   * The socket is bound under a name of its own, made owner-only, then renamed into place: so the
   * place never holds a socket others could reach, never is empty while a stale file is replaced,
   * and a close never deletes it by name (Netty's close deletes only the name it was bound to,
   * gone by then); {@link #deleteIfOurs} deletes it, under the lock, only if it is still ours.
   */
  private Channel bindOrReplace(ServerBootstrap bootstrap, Path socket) throws IOException {
    if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      switch (probe(socket)) {
        case LIVE:
          return null; // a leader listens there: follow it
        case STALE:
          checkReplaceable(socket);
          LOG.debug("replacing the stale socket {}", socket);
          break;
        case GONE:
        default:
          break;
      }
    }
    Path unique = runDir.resolve("." + socket.getFileName() + "." + Long.toHexString(RANDOM.nextLong()));
    ChannelFuture f = bootstrap.bind(UnixDomainSocketAddress.of(unique)).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IOException("cannot bind " + unique + ": " + f.cause(), f.cause());
    }
    Channel channel = f.channel();
    try {
      Files.setPosixFilePermissions(unique, OWNER_ONLY_FILE);
      Files.move(unique, socket, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      channel.attr(FILE_KEY).set(fileKey(socket));
      return channel;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(unique);
      channel.close();
      throw e;
    }
  }

  private static Object fileKey(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
  }

  /** Deletes the socket's file if it is still the one this channel was bound to. */
  private static void deleteIfOurs(Channel server, Path socket) throws IOException {
    Object ours = server.attr(FILE_KEY).get();
    if (ours != null && Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && ours.equals(fileKey(socket))) {
      Files.delete(socket);
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
    int owner = RunDirectory.ownerOf(socket);
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
  public io.netty.channel.group.ChannelGroup openChannels() {
    return tcp.openChannels(); // its channels run on the TCP transport's loops: one set
  }

  @Override
  public void shutdown(boolean await) {
    // The event loops belong to the TCP transport.
  }
}
