package io.clusterclient;

/**
 * The kind of socket the processes of a host meet on ({@link ClusterOptions.Builder#transport}).
 * Every process of a cluster must use the same.
 */
public enum ClusterTransport {
  /**
   * TCP on the loopback literal {@code 127.0.0.1:port}: the original library's transport, the one
   * Node.js peers speak. Any local process of any user can connect to the port.
   */
  TCP,

  /**
   * A Unix-domain socket, {@code <runDir>/<port>.sock}, in a run directory that only the owner can
   * enter: only processes of the same user (and root) can connect. Linux and macOS; Node.js peers
   * cannot join.
   */
  UNIX
}
