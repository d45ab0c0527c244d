package io.clusterclient.samples.registry;

/**
 * What a process subscribes to: the providers of one service. It travels as JSON ({@code
 * {"service":"demo"}}), which is also the registration key under which the leader subscribes to
 * ZooKeeper once for every process of the host.
 *
 * <p>Immutable and thread-safe.
 *
 * @param service the service name, one ZooKeeper node name (no {@code /})
 */
public record ServiceQuery(String service) {
  /** Checks the name, also when Jackson builds a query read from the wire. */
  public ServiceQuery {
    Registration.checkNodeName("service", service);
  }
}
