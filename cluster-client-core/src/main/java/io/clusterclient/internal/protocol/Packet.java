package io.clusterclient.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;
import java.util.Objects;

/**
 * One frame of the cluster-client protocol: a 24-byte header (version, request or response, id,
 * timeout, two lengths), a JSON {@link ConnObject} and an opaque application object made by the
 * codec.
 *
 * <p>The packet owns its application buffer: its reference count is the buffer's, and releasing the
 * packet releases the buffer. Whoever receives a packet from a pipeline must release it.
 *
 * <p>Not thread-safe as to the buffer's reader index (as with any {@link ByteBuf}); the other
 * fields are immutable.
 */
public final class Packet implements ReferenceCounted {
  /** The only protocol version there is. */
  public static final int VERSION = 1;

  /** Length of the fixed header in bytes. */
  public static final int HEADER_LENGTH = 24;

  private final boolean response;
  private final long id;
  private final int timeout;
  private final ConnObject conn;
  private final ByteBuf app;

  private Packet(boolean response, long id, int timeout, ConnObject conn, ByteBuf app) {
    this.response = response;
    this.id = id;
    this.timeout = timeout;
    this.conn = Objects.requireNonNull(conn, "conn");
    this.app = app == null ? Unpooled.EMPTY_BUFFER : app;
  }

  /**
   * Creates a request.
   *
   * @param id the request id; its response repeats it
   * @param timeoutMs how long the sender waits for the response, in ms
   * @param conn the connection object
   * @param app the application object, owned by the packet from now on; null for none
   * @return the packet
   */
  public static Packet request(long id, int timeoutMs, ConnObject conn, ByteBuf app) {
    return new Packet(false, id, timeoutMs, conn, app);
  }

  /**
   * Creates a response.
   *
   * @param id the id of the request answered
   * @param timeoutMs the timeout, by convention the request's
   * @param conn the connection object
   * @param app the application object, owned by the packet from now on; null for none
   * @return the packet
   */
  public static Packet response(long id, int timeoutMs, ConnObject conn, ByteBuf app) {
    return new Packet(true, id, timeoutMs, conn, app);
  }

  /**
   * Returns whether this is a response (header byte 1 is 1) rather than a request.
   *
   * @return true for a response
   */
  public boolean isResponse() {
    return response;
  }

  /**
   * Returns the request id.
   *
   * @return the id
   */
  public long id() {
    return id;
  }

  /**
   * Returns the timeout in ms.
   *
   * @return the timeout
   */
  public int timeout() {
    return timeout;
  }

  /**
   * Returns the connection object.
   *
   * @return the connection object, never null
   */
  public ConnObject conn() {
    return conn;
  }

  /**
   * Returns the application object; its readable bytes are the whole object.
   *
   * @return the buffer, never null; {@link Unpooled#EMPTY_BUFFER} when there is none
   */
  public ByteBuf app() {
    return app;
  }

  @Override
  public int refCnt() {
    return app.refCnt();
  }

  @Override
  public Packet retain() {
    app.retain();
    return this;
  }

  @Override
  public Packet retain(int increment) {
    app.retain(increment);
    return this;
  }

  @Override
  public Packet touch() {
    app.touch();
    return this;
  }

  @Override
  public Packet touch(Object hint) {
    app.touch(hint);
    return this;
  }

  @Override
  public boolean release() {
    return app.release();
  }

  @Override
  public boolean release(int decrement) {
    return app.release(decrement);
  }

  @Override
  public String toString() {
    // Never the application bytes: they are user data and may be large.
    return "Packet{id="
        + id
        + ", "
        + (response ? "response" : "request")
        + ", timeout="
        + timeout
        + ", conn="
        + conn
        + ", app="
        + app.readableBytes()
        + " bytes}";
  }
}
