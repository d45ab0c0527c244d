package io.clusterclient.benchmarks;

/** The three implementations measured side by side. */
enum Impl {
  /** This library: a leader JVM and follower JVMs with generated proxies. */
  OURS("ours", "this library"),
  /** The floor: the same frames over Netty between two JVMs, echoed, no cluster logic. */
  RAW("raw", "raw Netty"),
  /** The original Node.js library, cluster-client 3.7.0 with a plain-JSON transcode. */
  NODE("node", "Node.js 3.7.0");

  private final String key;
  private final String title;

  Impl(String key, String title) {
    this.key = key;
    this.title = title;
  }

  /** Short name for JSON keys, process names and {@code --impl}. */
  String key() {
    return key;
  }

  /** Column title. */
  String title() {
    return title;
  }
}
