package io.clusterclient.bus;

/**
 * A write to a {@link DistributedMap} was refused by the leader: it would take the map over its limit
 * ({@code mapMaxBytes} of keys and values). Nothing was stored; remove entries, or raise
 * {@link ClusterBus.Builder#mapMaxBytes(long)} in every process.
 */
public class MapFullException extends BusException {
  private static final long serialVersionUID = 1L;

  /** @param message which map, and its limit */
  public MapFullException(String message) {
    super(message);
  }
}
