package io.clusterclient;

import java.time.Instant;

/**
 * One follower, as its leader sees it ({@link ClusterHandle#followers()}).
 *
 * @param pid the follower's process id; -1 when it did not say (a Node.js follower)
 * @param address its side of the connection: {@code /127.0.0.1:51234}, or a Unix socket's
 * @param connectedSince when it connected
 * @param callsInFlight its calls received and not yet answered
 * @param subscriptions the registrations it subscribed
 * @param lastHeard when the leader last received anything from it (a call or a heartbeat)
 */
public record FollowerInfo(
    long pid, String address, Instant connectedSince, int callsInFlight, int subscriptions, Instant lastHeard) {}
