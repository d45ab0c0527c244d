package io.clusterclient;

import java.time.Instant;

/**
 * Who leads a client, as this process knows it ({@link ClusterHandle#leader()}).
 *
 * @param pid the leader's process id; -1 when it did not say (a Node.js leader)
 * @param address where it listens: {@code 127.0.0.1:7777}, or a Unix socket's path
 * @param inThisProcess whether this process is the leader
 * @param since when it started leading, by its own clock; null when it did not say (Node.js)
 * @param epoch identifies this leadership: {@code since} in milliseconds, larger for each later
 *     leader of the host (one clock); -1 when unknown
 */
public record LeaderInfo(long pid, String address, boolean inThisProcess, Instant since, long epoch) {}
