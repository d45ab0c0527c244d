package io.clusterclient.internal.leader;

import io.clusterclient.ClusterMetrics;
import io.clusterclient.FollowerInfo;
import io.clusterclient.internal.protocol.ConnObject;
import io.clusterclient.internal.protocol.Packet;
import io.clusterclient.internal.security.Handshake;
import io.clusterclient.internal.session.SessionContext;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The leader's answer to an operator's {@link ConnObject#STATUS} request: one JSON object of what
 * this process leads on the port, client by client, with its followers, its subscriptions and its
 * meters. Read when asked; lists are cut at {@value #MAX_LISTED} entries, so that the answer stays
 * far below any frame limit. Thread-safe: stateless.
 *
 * <pre>{@code
 * {"version":1, "pid":123, "address":"127.0.0.1:7777", "transport":"TCP", "now":<epoch ms>,
 *  "clients":[{"name":"echo", "since":<epoch ms>, "followers":[{"pid", "address", "connectedSince",
 *    "callsInFlight", "subscriptions", "lastHeard"}...], "followerCount":2, "subscriptions":[keys...],
 *    "rememberedPublishes":0, "metrics":{"succeeded", "failed", "retried", "inFlight", "queued",
 *    "elections", "failovers", "callsServed", "bytesIn", "bytesOut", "pushesSent",
 *    "pushesDelivered", "followersDropped", "failedByKind":{...},
 *    "latency":{"Type.method(Param)":{"count", "p50Micros", "p99Micros", "maxMicros"}}}}]}
 * }</pre>
 */
public final class StatusReport {
  /** The version of the report's shape: a reader refuses a newer major version it cannot read. */
  public static final int VERSION = 1;

  /** Most followers, subscriptions or latency rows listed per client. */
  static final int MAX_LISTED = 500;

  /** Keys longer than this are cut: a key is a registration's JSON, of any size. */
  static final int MAX_KEY_LENGTH = 1000;

  private static final long PID = ProcessHandle.current().pid();

  private StatusReport() {}

  /** Answers a proven status request on a connection of the server. On the connection's I/O thread. */
  static void answer(LeaderServer server, ServerConnection connection, long id, int timeout) {
    ByteBuf app = Handshake.app(of(server));
    connection.write(Packet.response(id, timeout, ConnObject.of(ConnObject.STATUS_RES), app));
  }

  /** The report of what a server leads now. */
  static Map<String, Object> of(LeaderServer server) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("version", VERSION);
    report.put("pid", PID);
    report.put("address", server.endpoint());
    report.put("transport", server.transportName());
    report.put("now", System.currentTimeMillis());
    List<Map<String, Object>> clients = new ArrayList<>();
    for (LeaderChannel channel : server.channels()) {
      clients.add(client(channel));
    }
    clients.sort((a, b) -> String.valueOf(a.get("name")).compareTo(String.valueOf(b.get("name"))));
    report.put("clients", clients);
    return report;
  }

  private static Map<String, Object> client(LeaderChannel channel) {
    SessionContext session = channel.session();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", channel.name());
    c.put("since", channel.since().toEpochMilli());
    List<FollowerInfo> followers = channel.followers();
    List<Map<String, Object>> listed = new ArrayList<>();
    for (FollowerInfo f : followers.subList(0, Math.min(MAX_LISTED, followers.size()))) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("pid", f.pid());
      m.put("address", f.address());
      m.put("connectedSince", f.connectedSince().toEpochMilli());
      m.put("callsInFlight", f.callsInFlight());
      m.put("subscriptions", f.subscriptions());
      m.put("lastHeard", f.lastHeard().toEpochMilli());
      listed.add(m);
    }
    c.put("followerCount", followers.size());
    c.put("followers", listed);
    List<String> keys = new ArrayList<>(new java.util.TreeSet<>(session.subscriptionKeys()));
    c.put("subscriptionCount", keys.size());
    c.put("subscriptions", keys.subList(0, Math.min(MAX_LISTED, keys.size())).stream()
        .map(k -> k.length() <= MAX_KEY_LENGTH ? k : k.substring(0, MAX_KEY_LENGTH) + "...")
        .toList());
    c.put("rememberedPublishes", session.rememberedPublishes());
    c.put("metrics", metrics(session.metrics()));
    return c;
  }

  private static Map<String, Object> metrics(ClusterMetrics m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("succeeded", m.succeeded());
    out.put("failed", m.failed());
    out.put("retried", m.retried());
    out.put("inFlight", m.inFlight());
    out.put("queued", m.queued());
    out.put("elections", m.elections());
    out.put("failovers", m.failovers());
    out.put("maxFailoverGapMillis", m.maxFailoverGap().map(java.time.Duration::toMillis).orElse(-1L));
    out.put("callsServed", m.callsServed());
    out.put("bytesIn", m.bytesIn());
    out.put("bytesOut", m.bytesOut());
    out.put("pushesSent", m.pushesSent());
    out.put("pushesDelivered", m.pushesDelivered());
    out.put("followersDropped", m.followersDropped());
    out.put("failedByKind", new TreeMap<>(m.failedByKind()));
    Map<String, Object> latency = new LinkedHashMap<>();
    m.latency().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .limit(MAX_LISTED)
        .forEach(e -> {
          Map<String, Object> l = new LinkedHashMap<>();
          l.put("count", e.getValue().count());
          l.put("p50Micros", e.getValue().p50Micros());
          l.put("p99Micros", e.getValue().p99Micros());
          l.put("maxMicros", e.getValue().maxMicros());
          latency.put(e.getKey(), l);
        });
    out.put("latency", latency);
    return out;
  }
}
