package io.clusterclient.samples.registry;

/**
 * One provider of a service, as published: stored as JSON in the ephemeral node {@code
 * /services/<service>/<id>}. It travels to the leader as JSON, so it stays a plain record.
 *
 * <p>Immutable and thread-safe.
 *
 * @param service the service name, one ZooKeeper node name (no {@code /})
 * @param id the provider's id, unique within the service, one ZooKeeper node name
 * @param address where the provider answers, for example {@code 127.0.0.1:8080}
 */
public record Registration(String service, String id, String address) {
  /** Checks the names, also when Jackson builds a registration read from the wire or a node. */
  public Registration {
    checkNodeName("service", service);
    checkNodeName("id", id);
    if (address == null) {
      throw new IllegalArgumentException("address is null");
    }
  }

  static void checkNodeName(String what, String name) {
    if (name == null || name.isBlank() || name.indexOf('/') >= 0 || name.equals(".")
        || name.equals("..")) {
      throw new IllegalArgumentException(
          what + " must be one ZooKeeper node name (not blank, no '/'): " + name);
    }
  }
}
