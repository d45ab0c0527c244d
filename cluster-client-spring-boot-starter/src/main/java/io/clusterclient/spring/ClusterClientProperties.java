package io.clusterclient.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Application properties under {@code cluster-client}: options for every shared client, and per
 * client under {@code cluster-client.clients.<name>}, where {@code <name>} is the name given in code
 * (or the simple name of the client type).
 *
 * <pre>{@code
 * cluster-client:
 *   port: 7788
 *   response-timeout: 5s
 *   clients:
 *     registry:
 *       max-wait-time: 60s
 * }</pre>
 *
 * <p>Not thread-safe: Spring binds it once at startup; read it afterwards only.
 */
@ConfigurationProperties(prefix = ClusterClientProperties.PREFIX)
public class ClusterClientProperties extends ClusterOptionsProperties {
  /** The prefix of every property of the starter. */
  public static final String PREFIX = "cluster-client";

  /**
   * Options of one client, by client name (the name given in code, else the simple name of the
   * client type); each one set here wins over the same option set for every client.
   */
  private Map<String, ClusterOptionsProperties> clients = new LinkedHashMap<>();

  /** Creates properties with nothing set. */
  public ClusterClientProperties() {}

  /**
   * The options of each client, by client name.
   *
   * @return a mutable map, for binding
   */
  public Map<String, ClusterOptionsProperties> getClients() {
    return clients;
  }

  /**
   * Sets the options of each client.
   *
   * @param clients the options by client name
   */
  public void setClients(Map<String, ClusterOptionsProperties> clients) {
    this.clients = clients;
  }
}
