package io.clusterclient;

/**
 * One shared client of this process, as JMX shows it (jconsole, VisualVM, any JMX agent): its role,
 * its leader, on the leader its followers, and its counters. Registered for each client name and
 * port of each runtime as {@code io.clusterclient:type=ClusterClient,runtime=...,name=...,port=...}
 * unless {@link ClusterOptions.Builder#jmx} turns it off; unregistered when the client closes.
 * Read-only.
 */
public interface ClusterClientMXBean {
  /** @return the client's name */
  String getName();

  /** @return the election port, 0 in single mode */
  int getPort();

  /** @return TCP or UNIX */
  String getTransport();

  /** @return LEADER, FOLLOWER, ELECTING or CLOSED */
  String getRole();

  /** @return whether this process holds the real client */
  boolean isLeader();

  /** @return the leader's pid; -1 when unknown (electing, or a Node.js leader) */
  long getLeaderPid();

  /** @return where the leader listens; empty when unknown */
  String getLeaderAddress();

  /** @return when the leader started leading, ISO-8601; empty when unknown */
  String getLeaderSince();

  /** @return on the leader, how many followers are connected; 0 elsewhere */
  int getFollowerCount();

  /** @return on the leader, one line per follower: pid, address, since, calls in flight, subscriptions */
  String[] getFollowers();

  /** @return the keys this process subscribed */
  String[] getSubscriptions();

  /** @return the publishes this process remembers for replay */
  int getRememberedPublishes();

  /** @return calls that succeeded */
  long getCallsSucceeded();

  /** @return calls that failed */
  long getCallsFailed();

  /** @return calls retried after a leader was lost */
  long getCallsRetried();

  /** @return elections this process took part in */
  long getElections();

  /** @return calls made in this process and not yet ended */
  long getCallsInFlight();

  /** @return failed calls by kind, one {@code kind=count} line each */
  String[] getFailedByKind();

  /** @return latency by method: one {@code Type.method(Param) count=N p50=Nus p99=Nus max=Nus} line each */
  String[] getLatency();

  /** @return how many times the leader was lost and this process led or followed again */
  long getFailovers();

  /** @return the longest failover gap in milliseconds; -1 when none */
  long getMaxFailoverGapMillis();

  /** @return calls waiting for a leader now (an election under way) */
  long getCallsQueued();

  /** @return calls that had to wait for a leader, in all */
  long getCallsQueuedTotal();

  /** @return bytes of the packets this client's connections read */
  long getBytesIn();

  /** @return bytes of the packets this client's connections wrote */
  long getBytesOut();

  /** @return values the leader in this process wrote to followers */
  long getPushesSent();

  /** @return values handed to this process's listeners */
  long getPushesDelivered();

  /** @return followers' connections the leader in this process closed (slow, silent, hostile, refused) */
  long getFollowersDropped();

  /** @return followers' calls the leader in this process served */
  long getCallsServed();
}
