package io.clusterclient.benchmarks.workload;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The raw baseline: the same 24-byte-header frames over Netty NIO between two processes, echoed by
 * a server on its I/O thread, with no cluster logic at all (no JSON parsing, no codec, no executor
 * hop). A request carries the connection object of an {@code invoke} and the arguments framed as
 * this library frames them; the answer carries an {@code invoke_result} and the argument's bytes,
 * so the bytes on the wire match this library's (except that byte[] travels unencoded instead of as
 * base64 JSON). It is the floor a cluster client could reach on this transport.
 *
 * <pre>
 * RawWorker server|member|startup|footprint PORT
 * </pre>
 */
public final class RawWorker {
  private static final int HEADER = 24;
  private static final byte[] INVOKE =
      "{\"type\":\"invoke\",\"method\":\"echo\",\"argLength\":1,\"oneway\":false}"
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] RESULT =
      "{\"type\":\"invoke_result\",\"success\":true}".getBytes(StandardCharsets.UTF_8);

  private RawWorker() {}

  public static void main(String[] args) throws Exception {
    long started = System.nanoTime();
    String mode = args[0];
    int port = Integer.parseInt(args[1]);
    Workloads.say("STARTED " + started);
    ObjectMapper json = new ObjectMapper();
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
    if (mode.equals("server")) {
      serve(address, json, started);
      return;
    }
    Footprint before = mode.equals("footprint") ? Footprint.take() : null;
    long creating = System.nanoTime();
    RawClient client = RawClient.connect(address);
    long ready = System.nanoTime();
    ObjectNode readyLine = Workloads.readyLine(json, "FOLLOWER", started, creating, ready);
    Workloads.afterReady(
        mode, readyLine, before, json, client::echoAsync, client::close, () -> client);
  }

  private static void serve(InetSocketAddress address, ObjectMapper json, long started)
      throws Exception {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("raw-io", true), NioIoHandler.newFactory());
    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new FrameDecoder(), new EchoHandler());
                  }
                })
            .bind(address)
            .sync()
            .channel();
    Workloads.say(
        "READY "
            + json.createObjectNode()
                .put("role", "LEADER")
                .put("pid", ProcessHandle.current().pid())
                .put("mainNanos", started)
                .put("readyNanos", System.nanoTime()));
    new Workloads(new ServerTarget()).loop();
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** One received frame: its id and application object (a retained slice); the rest is dropped. */
  private record Frame(long id, int timeout, ByteBuf app) {}

  /** Cuts frames by the header's two lengths; parses nothing else. */
  private static final class FrameDecoder extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (in.readableBytes() < HEADER) {
        return;
      }
      int start = in.readerIndex();
      int connLength = in.getInt(start + 16);
      int appLength = in.getInt(start + 20);
      if (in.readableBytes() < HEADER + connLength + appLength) {
        return;
      }
      long id = in.getLong(start + 4);
      int timeout = in.getInt(start + 12);
      in.skipBytes(HEADER + connLength);
      out.add(new Frame(id, timeout, in.readRetainedSlice(appLength)));
    }
  }

  private static ByteBuf header(Channel ch, boolean response, long id, int timeout, byte[] conn, int appLength) {
    ByteBuf head = ch.alloc().buffer(HEADER + conn.length);
    return head.writeByte(1)
        .writeByte(response ? 1 : 0)
        .writeShort(0)
        .writeLong(id)
        .writeInt(timeout)
        .writeInt(conn.length)
        .writeInt(appLength)
        .writeBytes(conn);
  }

  /** Answers each request on the I/O thread with the argument's bytes. */
  private static final class EchoHandler extends SimpleChannelInboundHandler<Frame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
      ByteBuf app = f.app();
      // The argument without its 4-byte length prefix, as an invoke_result carries the value alone.
      ByteBuf value = app.retainedSlice(app.readerIndex() + 4, app.readableBytes() - 4);
      f.app().release();
      ByteBuf head = header(ctx.channel(), true, f.id(), f.timeout(), RESULT, value.readableBytes());
      ctx.writeAndFlush(Unpooled.wrappedBuffer(head, value));
    }
  }

  /** The leader side has nothing to drive. */
  private static final class ServerTarget implements Target {
    @Override
    public String echo(String value) {
      throw new UnsupportedOperationException("the raw server does not call");
    }

    @Override
    public CompletableFuture<?> echoAsync(String value) {
      throw new UnsupportedOperationException("the raw server does not call");
    }

    @Override
    public CompletableFuture<?> echoBytes(byte[] value) {
      throw new UnsupportedOperationException("the raw server does not call");
    }

    @Override
    public String role() {
      return "LEADER";
    }

    @Override
    public void close() {}
  }

  /** A connection that sends framed requests and completes a future per answer on its I/O thread. */
  private static final class RawClient extends SimpleChannelInboundHandler<Frame> implements Target {
    private final Map<Long, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final EventLoopGroup group;
    private final byte[] stringArg;
    private Channel channel;

    private RawClient(EventLoopGroup group) {
      this.group = group;
      byte[] text = ("\"" + Workloads.PAYLOAD_64 + "\"").getBytes(StandardCharsets.UTF_8);
      this.stringArg = Unpooled.buffer(4 + text.length).writeInt(text.length).writeBytes(text).array();
    }

    static RawClient connect(InetSocketAddress address) throws InterruptedException {
      EventLoopGroup group =
          new MultiThreadIoEventLoopGroup(
              1, new DefaultThreadFactory("raw-io", true), NioIoHandler.newFactory());
      RawClient client = new RawClient(group);
      client.channel =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline().addLast(new FrameDecoder(), client);
                    }
                  })
              .connect(address)
              .sync()
              .channel();
      return client;
    }

    private CompletableFuture<Void> send(ByteBuf app) {
      long id = ids.incrementAndGet();
      CompletableFuture<Void> f = new CompletableFuture<>();
      pending.put(id, f);
      ByteBuf head = header(channel, false, id, 3000, INVOKE, app.readableBytes());
      channel.writeAndFlush(Unpooled.wrappedBuffer(head, app));
      return f;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
      f.app().release();
      CompletableFuture<Void> p = pending.remove(f.id());
      if (p != null) {
        p.complete(null);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      IllegalStateException closed = new IllegalStateException("connection closed");
      pending.values().forEach(p -> p.completeExceptionally(closed));
    }

    @Override
    public String echo(String value) throws Exception {
      return echoAsync(value).thenApply(v -> value).get(3, TimeUnit.SECONDS);
    }

    @Override
    public CompletableFuture<?> echoAsync(String value) {
      return send(Unpooled.wrappedBuffer(stringArg));
    }

    @Override
    public CompletableFuture<?> echoBytes(byte[] value) {
      ByteBuf length = Unpooled.buffer(4).writeInt(value.length);
      return send(Unpooled.wrappedBuffer(length, Unpooled.wrappedBuffer(value)));
    }

    @Override
    public String role() {
      return channel.isActive() ? "FOLLOWER" : "ELECTING";
    }

    @Override
    public void close() {
      channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
