package io.clusterclient.it;

/** A checked exception declared by {@link EchoService#fail(String)}. */
public class EchoException extends Exception {
  private static final long serialVersionUID = 1L;

  public EchoException(String message) {
    super(message);
  }
}
